// Draws every <div class="vchart" data-spec="charts.json#name"> with the vendored vega-embed
// (assets/vega.js): a page's charts are one file beside it, {name: Vega-Lite spec}, fetched once.
// The table under each chart holds the same numbers, so the page reads the same without JavaScript.
(function () {
  var files = {};
  function load(url) {
    if (!files[url]) files[url] = fetch(url).then(function (r) { return r.json(); });
    return files[url];
  }
  function draw() {
    if (typeof window.vegaEmbed !== "function") return;
    document.querySelectorAll(".vchart[data-spec]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var ref = el.dataset.spec.split("#");
      load(ref[0])
        .then(function (specs) {
          var spec = ref.length > 1 ? specs[ref[1]] : specs;
          if (!spec) throw new Error("no chart " + el.dataset.spec);
          return window.vegaEmbed(el, spec, { actions: false, mode: "vega-lite", renderer: "svg" });
        })
        .catch(function () { el.classList.add("vchart-failed"); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
