/* The search engine of /search/: reads the static index that `bulletin build` writes in search/.
   A plain script with no dependencies, loaded by search.js; it sets window.bulletinSearch to the
   part of Pagefind's API that search.js uses: options(), init(), search(term, {filters}) →
   {results, filters}, where each result's data() gives {url, meta: {title, date}, filters,
   excerpt} and the excerpt is HTML with <mark> around the hits.

   The index (see generator/build/searchformat.py) is a set of scripts, each one call of
   bulletinSearchData(name, payload): index.js (sizes, filter values, stamp), facets.js (one row
   per document), shards/N.js (postings: token → document ids, and ids of documents whose title
   holds it), docs/N.js (url, title, date, text of a few documents). Binary payloads are base64.
   Scripts load from a server and from file:// (a folder, a USB stick) alike, where fetch() and
   modules are refused, so the same files give the same results in the same order both ways.

   Documents are numbered newest first. A query is cut like the documents: NFKC, lower case,
   pairs of neighbouring CJK characters (the character alone for a one-character run), and
   words of letters and digits; a document matches when it holds every piece. Documents whose
   title holds more pieces come first, then the newest. Only the shards of the query's pieces
   and the texts of the results shown are downloaded. */
(function () {
"use strict";

const CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}";
const CJK_RUN = new RegExp("[" + CJK + "]+", "gu");
const WORD = new RegExp("(?:(?![" + CJK + "])[\\p{L}\\p{N}])+", "gu");
const WORD_MAX = 40;
const EXCERPT = 90;   // characters around the first hit
const FACETS = ["township", "stage", "topic"];

let bundle = new URL("../search/", document.currentScript ? document.currentScript.src : location.href).href;
let baseUrl = "/";
let loaded = null;
const files = new Map();     // name → promise of its payload, while its script loads
const waiting = new Map();   // name → resolve, until its script has called bulletinSearchData
const shards = new Map();
const chunks = new Map();

function options(settings) {
  if (settings && settings.bundlePath) { bundle = new URL(settings.bundlePath, location.href).href; }
  if (settings && settings.baseUrl) { baseUrl = settings.baseUrl; }
  return Promise.resolve();
}

function init() {
  return load().then(function () {});
}

window.bulletinSearchData = function (name, payload) {
  const resolve = waiting.get(name);
  if (resolve) { waiting.delete(name); resolve(payload); }
};

/* One file of the index, by name ("shards/3"): its script is added to the page and calls
   bulletinSearchData. `version` goes in the URL, so the browser's cache never mixes two builds'
   files (a page left open while a new build is published may, until it is reloaded). */
function file(name, version) {
  if (!files.has(name)) {
    const promise = new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      waiting.set(name, resolve);
      script.onload = script.onerror = function () {
        script.remove();
        if (waiting.get(name) === resolve) { waiting.delete(name); reject(new Error(name + ": not loaded")); }
      };
      script.src = bundle + name + ".js?v=" + encodeURIComponent(version);
      document.head.appendChild(script);
    });
    const forget = function () { files.delete(name); };  // shard() and chunk() keep what they need
    promise.then(forget, forget);
    files.set(name, promise);
  }
  return files.get(name);
}

function bytesOf(base64) {
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
  return bytes;
}

// index.js is asked for anew on each page load; the other files carry its stamp in their URL.
function load() {
  if (!loaded) {
    loaded = file("index", Date.now().toString(36)).then(function (meta) {
      return file("facets", meta.stamp).then(function (facets) {
        meta.rows = bytesOf(facets);
        meta.width = meta.widths[0] + meta.widths[1] + meta.widths[2];
        return meta;
      });
    });
    loaded.catch(function () { loaded = null; });
  }
  return loaded;
}

function normalize(text) {
  return text.normalize("NFKC").toLowerCase();
}

/* The pieces a query must match, as generator/build/searchformat.py query_tokens(). */
function queryTokens(query) {
  const text = normalize(query);
  const found = new Set();
  for (const match of text.matchAll(CJK_RUN)) {
    const chars = Array.from(match[0]);
    if (chars.length === 1) { found.add(chars[0]); }
    for (let i = 0; i + 1 < chars.length; i++) { found.add(chars[i] + chars[i + 1]); }
  }
  for (const match of text.matchAll(WORD)) { found.add(Array.from(match[0]).slice(0, WORD_MAX).join("")); }
  return Array.from(found);
}

/* FNV-1a over the code points, then murmur3's finaliser: searchformat.shard_of(). */
function shardOf(token, count) {
  let h = 0x811c9dc5;
  for (const ch of token) { h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0; }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) & (count - 1);
}

function reader(bytes, pos) {
  return {
    pos: pos,
    varint: function () {
      let n = 0, scale = 1, byte;
      do {
        byte = bytes[this.pos++];
        n += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
      return n;
    }
  };
}

// An id list: varint(count * 2 + is_bitmap), varint(size), then gaps as varints or a bitmap.
function skipList(read) {
  if (read.varint()) {
    const size = read.varint();  // read first: `read.pos += read.varint()` would add to the old position
    read.pos += size;
  }
}

function decodeIds(bytes, at) {
  const read = reader(bytes, at);
  const head = read.varint();
  if (!head) { return []; }
  const size = read.varint();
  const end = read.pos + size;
  const ids = [];
  if (head & 1) {
    for (let i = read.pos; i < end; i++) {
      for (let bit = 0; bit < 8; bit++) { if (bytes[i] >> bit & 1) { ids.push((i - read.pos) * 8 + bit); } }
    }
  } else {
    let last = 0;
    while (read.pos < end) {
      last = ids.length ? last + read.varint() : read.varint();
      ids.push(last);
    }
  }
  return ids;
}

function shard(meta, number) {
  if (!shards.has(number)) {
    const promise = file("shards/" + number, meta.stamp)
      .then(function (base64) {
        const bytes = bytesOf(base64);
        const decoder = new TextDecoder();
        const tokens = new Map();
        const read = reader(bytes, 0);
        while (read.pos < bytes.length) {
          const size = read.varint();
          const token = decoder.decode(bytes.subarray(read.pos, read.pos + size));
          read.pos += size;
          const body = read.pos;
          skipList(read);
          const title = read.pos;
          skipList(read);
          tokens.set(token, { bytes: bytes, body: body, title: title });
        }
        return tokens;
      });
    promise.catch(function () { shards.delete(number); });
    shards.set(number, promise);
  }
  return shards.get(number);
}

function postings(meta, token) {
  return shard(meta, shardOf(token, meta.shards)).then(function (tokens) {
    const entry = tokens.get(token);
    return entry ? { body: decodeIds(entry.bytes, entry.body), title: decodeIds(entry.bytes, entry.title) } : null;
  });
}

function intersect(a, b) {
  const out = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) { i++; } else if (a[i] > b[j]) { j++; } else { out.push(a[i]); i++; j++; }
  }
  return out;
}

function facetValues(meta, id) {
  const rows = meta.rows;
  let at = id * meta.width;
  const read = function (width) {
    let n = 0;
    for (let k = width - 1; k >= 0; k--) { n = n * 256 + rows[at + k]; }
    at += width;
    return n;
  };
  const township = read(meta.widths[0]);
  const stage = read(meta.widths[1]);
  const topics = [];
  for (let k = 0; k < meta.widths[2]; k++) {
    for (let bit = 0; bit < 8; bit++) { if (rows[at + k] >> bit & 1) { topics.push(meta.facets.topic[k * 8 + bit]); } }
  }
  return {
    township: township ? [meta.facets.township[township - 1]] : [],
    stage: stage ? [meta.facets.stage[stage - 1]] : [],
    topic: topics
  };
}

function passes(values, filters, except) {
  return Object.keys(filters).every(function (key) {
    return key === except || (filters[key] || []).every(function (wanted) { return (values[key] || []).indexOf(wanted) >= 0; });
  });
}

function chunk(meta, number) {
  if (!chunks.has(number)) {
    const promise = file("docs/" + number, meta.stamp);
    promise.catch(function () { chunks.delete(number); });
    chunks.set(number, promise);
  }
  return chunks.get(number);
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
}

/* The text around the first hit, as HTML with <mark> around every piece of the query.
   Hits are found in the normalised text and mapped back to the text as written. */
function excerpt(text, query) {
  let folded = "";
  const origin = [];   // folded position → [start, end) in text
  for (let i = 0; i < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(i));
    const into = normalize(ch);
    for (let k = 0; k < into.length; k++) { origin.push([i, i + ch.length]); }
    folded += into;
    i += ch.length;
  }
  const whole = [];
  for (const match of normalize(query || "").matchAll(new RegExp("[" + CJK + "]+|(?:(?![" + CJK + "])[\\p{L}\\p{N}])+", "gu"))) {
    whole.push(match[0]);
  }
  let marks = [];
  const find = function (terms) {
    terms.forEach(function (term) {
      for (let at = folded.indexOf(term); term && at >= 0; at = folded.indexOf(term, at + term.length)) {
        marks.push([origin[at][0], origin[at + term.length - 1][1]]);
      }
    });
  };
  find(whole);
  if (!marks.length) { find(queryTokens(query || "")); }
  marks.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  const merged = [];
  marks.forEach(function (m) {
    const last = merged[merged.length - 1];
    if (last && m[0] <= last[1]) { last[1] = Math.max(last[1], m[1]); } else { merged.push(m.slice()); }
  });
  const start = merged.length ? Math.max(0, merged[0][0] - 20) : 0;
  const end = Math.min(text.length, start + EXCERPT);
  let html = start > 0 ? "…" : "";
  let at = start;
  merged.forEach(function (m) {
    if (m[1] <= start || m[0] >= end) { return; }
    const from = Math.max(m[0], at), to = Math.min(m[1], end);
    html += escapeHtml(text.slice(at, from)) + "<mark>" + escapeHtml(text.slice(from, to)) + "</mark>";
    at = to;
  });
  return html + escapeHtml(text.slice(at, end)) + (end < text.length ? "…" : "");
}

function result(meta, id, score, query) {
  return {
    id: id,
    score: score,
    data: function () {
      return chunk(meta, Math.floor(id / meta.chunk)).then(function (rows) {
        const row = rows[id % meta.chunk];
        return { url: baseUrl + row[0], raw_url: row[0], meta: { title: row[1], date: row[2] },
                 filters: facetValues(meta, id), excerpt: excerpt(row[3], query) };
      });
    }
  };
}

/* Documents holding every piece of `term` (every document when term is null), that have every
   filter value asked for; and, per filter, the counts of each value among the documents that
   pass the other filters. */
function search(term, settings) {
  const filters = (settings && settings.filters) || {};
  return load().then(function (meta) {
    const tokens = term === null || term === undefined ? null : queryTokens(term);
    if (tokens && !tokens.length) { return [meta, [], null]; }
    if (!tokens) {
      return [meta, Array.from({ length: meta.documents }, function (_, i) { return i; }), null];
    }
    return Promise.all(tokens.map(function (t) { return postings(meta, t); })).then(function (lists) {
      if (lists.some(function (l) { return !l; })) { return [meta, [], null]; }
      lists.sort(function (a, b) { return a.body.length - b.body.length; });
      let ids = lists[0].body;
      lists.slice(1).forEach(function (l) { ids = intersect(ids, l.body); });
      const inTitle = new Map();
      lists.forEach(function (l) { l.title.forEach(function (id) { inTitle.set(id, (inTitle.get(id) || 0) + 1); }); });
      return [meta, ids, inTitle];
    });
  }).then(function (found) {
    const meta = found[0], ids = found[1], inTitle = found[2];
    const counts = {};
    FACETS.forEach(function (key) { counts[key] = {}; });
    const hits = [];
    ids.forEach(function (id) {
      const values = facetValues(meta, id);
      FACETS.forEach(function (key) {
        if (!passes(values, filters, key)) { return; }
        values[key].forEach(function (value) { counts[key][value] = (counts[key][value] || 0) + 1; });
      });
      if (passes(values, filters, null)) { hits.push(id); }
    });
    const score = function (id) { return inTitle ? inTitle.get(id) || 0 : 0; };
    hits.sort(function (a, b) { return score(b) - score(a) || a - b; });
    return {
      results: hits.map(function (id) { return result(meta, id, score(id), term); }),
      filters: counts,
      unfilteredResultCount: ids.length
    };
  });
}

window.bulletinSearch = { options: options, init: init, search: search, normalize: normalize,
                          queryTokens: queryTokens, shardOf: shardOf, excerpt: excerpt };
})();
