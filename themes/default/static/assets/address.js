/* The site's links end in index.html, so it also browses from a folder or a USB stick (file://).
   On a server the address bar drops that ending: cases/x/ is the address the feeds, the sitemap
   and rel=canonical give, and the one a resident copies and shares. Relative links resolve the
   same from either form, so nothing else changes. */
(function () {
  "use strict";
  var ending = "/index.html";
  var path = location.pathname;
  if ((location.protocol === "http:" || location.protocol === "https:") && path.slice(-ending.length) === ending) {
    history.replaceState(history.state, "", path.slice(0, 1 - ending.length) + location.search + location.hash);
  }
})();
