/* Search page: runs assets/search-engine.js over the index in search/ (built by `bulletin build`) in the browser.
   The query and filters live in the URL (?q=桥梁&township=liangquan) so a result list can be shared.
   Everything loads from this site; links are relative, so the site works under any base path. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) { return; }
  var strings = JSON.parse(document.getElementById("search-strings").textContent);
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var clear = document.getElementById("search-clear");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
  // Folder URLs (the site's links end in index.html unless `index_links: false`).
  var root = new URL("./", new URL(form.getAttribute("data-root"), location.href));
  var bundle = new URL("./", new URL(form.getAttribute("data-bundle"), location.href)).href;
  var PAGE = 10;
  var labels = {};
  var results = [];
  var shown = 0;
  var generation = 0;
  var timer = null;
  var engine = null;

  selects.forEach(function (select) {
    var names = labels[select.getAttribute("data-filter")] = {};
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value) { names[option.value] = option.textContent; }
    });
  });

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) { return key in values ? values[key] : whole; });
  }

  // 2021-06 → 2021年6月 (Jun 2021), 2021-06-20 → 2021年6月20日: as every other page writes dates.
  function shownDate(iso) {
    var parts = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(iso);
    if (!parts) { return iso; }
    var values = { y: parts[1], m: String(Number(parts[2])), mon: strings.months[Number(parts[2]) - 1] };
    if (!parts[3]) { return format(strings.date_month, values); }
    values.d = String(Number(parts[3]));
    return format(strings.date_day, values);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // The engine is a plain script (not a module) and reads the index through <script> elements,
  // so search works from a server and from local files (file://, a USB stick) alike.
  function load() {
    if (!engine) {
      engine = new Promise(function (resolve, reject) {
        if (window.bulletinSearch) { resolve(window.bulletinSearch); return; }
        var script = document.createElement("script");
        script.src = new URL(form.getAttribute("data-engine"), location.href).href;
        script.onload = function () { window.bulletinSearch ? resolve(window.bulletinSearch) : reject(new Error("no engine")); };
        script.onerror = reject;
        document.head.appendChild(script);
      }).then(function (index) {
        return index.options({ bundlePath: bundle, baseUrl: root.pathname })
          .then(function () { return index.init(); })
          .then(function () { return index; });
      });
      engine.catch(function () { engine = null; });
    }
    return engine;
  }

  function chosenFilters() {
    var chosen = {};
    selects.forEach(function (select) {
      if (select.value) { chosen[select.getAttribute("data-filter")] = [select.value]; }
    });
    return chosen;
  }

  function readUrl() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    selects.forEach(function (select) {
      var wanted = params.get(select.name) || "";
      select.value = labels[select.getAttribute("data-filter")][wanted] ? wanted : "";
    });
  }

  function writeUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) { params.set("q", input.value.trim()); }
    selects.forEach(function (select) { if (select.value) { params.set(select.name, select.value); } });
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  function showCounts(counts) {
    selects.forEach(function (select) {
      var key = select.getAttribute("data-filter");
      var perValue = (counts && counts[key]) || null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) { return; }
        var name = labels[key][option.value];
        option.textContent = perValue ? format(strings.option, { label: name, n: perValue[option.value] || 0 }) : name;
      });
    });
  }

  // The engine's excerpt is HTML with <mark> around the hits: keep the text and the marks, nothing else.
  function excerpt(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var paragraph = element("p", "search-excerpt");
    Array.prototype.forEach.call(holder.content.childNodes, function (node) {
      paragraph.appendChild(node.nodeName === "MARK" ? element("mark", "", node.textContent)
                                                     : document.createTextNode(node.textContent));
    });
    var first = paragraph.firstChild;  // an excerpt that starts at the text's start may start on punctuation
    if (first && first.nodeType === 3) { first.textContent = first.textContent.replace(/^[\s.,;:，。；：]+/, ""); }
    return paragraph;
  }

  function item(data) {
    var li = element("li", "search-result");
    var heading = element("h2", "search-result-title");
    var link = element("a", "", (data.meta && data.meta.title) || data.url);
    link.href = data.url;
    heading.appendChild(link);
    li.appendChild(heading);
    var meta = element("p", "search-result-meta");
    var filters = data.filters || {};
    var path = data.url.indexOf(root.pathname) === 0 ? data.url.slice(root.pathname.length) : data.url;
    var stage = (filters.stage || [])[0];
    if (stage) {
      meta.appendChild(element("span", "badge stage-" + stage, labels.stage[stage] || stage));
    } else if (path.indexOf("reports/") === 0) {
      meta.appendChild(element("span", "badge search-kind", strings.report));
    } else {
      meta.appendChild(element("span", "badge search-kind", strings.page));
    }
    (filters.township || []).forEach(function (slug) {
      meta.appendChild(element("span", "search-result-place", labels.township[slug] || slug));
    });
    if (data.meta && data.meta.date) {
      var time = element("time", "", shownDate(data.meta.date));
      time.setAttribute("datetime", data.meta.date);
      meta.appendChild(time);
    }
    li.appendChild(meta);
    if (data.excerpt) { li.appendChild(excerpt(data.excerpt)); }
    return li;
  }

  function showMore(focusFirst) {
    var mine = generation;
    var batch = results.slice(shown, shown + PAGE);
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (pages) {
      if (mine !== generation) { return; }
      var first = null;
      pages.forEach(function (data) {
        var li = item(data);
        first = first || li;
        list.appendChild(li);
      });
      shown += batch.length;
      list.hidden = shown === 0;
      more.hidden = shown >= results.length;
      if (focusFirst && first) { first.querySelector("a").focus(); }
    });
  }

  function reset() {
    results = [];
    shown = 0;
    list.textContent = "";
    list.hidden = true;
    more.hidden = true;
  }

  function run() {
    var mine = ++generation;
    var query = input.value.trim();
    var filters = chosenFilters();
    writeUrl();
    if (!query && !Object.keys(filters).length) {
      reset();
      showCounts(null);
      status.textContent = "";
      return Promise.resolve();
    }
    status.textContent = strings.loading;
    return load().then(function (index) {
      return index.search(query || null, { filters: filters });
    }).then(function (search) {
      if (mine !== generation || !search) { return; }
      reset();
      results = search.results;
      showCounts(search.filters);
      // Announce the count once the first results are on the page, not before.
      return showMore(false).then(function () {
        if (mine !== generation) { return; }
        var values = { n: results.length, q: query };
        status.textContent = format(results.length ? (query ? strings.count : strings.browse) : strings.none, values);
      });
    }).catch(function () {
      if (mine !== generation) { return; }
      reset();
      status.textContent = strings.failed;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  input.addEventListener("focus", function () { load(); }, { once: true });
  selects.forEach(function (select) { select.addEventListener("change", run); });
  clear.addEventListener("click", function () {
    selects.forEach(function (select) { select.value = ""; });
    run();
  });
  more.addEventListener("click", function () { showMore(true); });

  // The filters fold on a phone; they are open on a wide screen and whenever one is set,
  // and the toggle says how many are set.
  var box = document.getElementById("search-filters-box");
  var count = document.getElementById("search-filters-count");
  function showFilterCount() {
    var n = selects.filter(function (select) { return select.value; }).length;
    count.textContent = n ? format(strings.filters_on, { n: n }) : "";
    if (n) { box.open = true; }
  }
  selects.forEach(function (select) { select.addEventListener("change", showFilterCount); });
  clear.addEventListener("click", showFilterCount);

  readUrl();
  if (window.matchMedia("(min-width: 48rem)").matches) { box.open = true; }
  showFilterCount();
  run();
})();
