// Draws every <div class="vchart" data-spec="…json"> with the vendored vega-embed (assets/vega.js).
// The table under each chart holds the same numbers, so the page reads the same without JavaScript.
(function () {
  function draw() {
    if (typeof window.vegaEmbed !== "function") return;
    document.querySelectorAll(".vchart[data-spec]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      fetch(el.dataset.spec)
        .then(function (r) { return r.json(); })
        .then(function (spec) {
          return window.vegaEmbed(el, spec, { actions: false, mode: "vega-lite", renderer: "svg" });
        })
        .catch(function () { el.classList.add("vchart-failed"); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
