/* Click (or Enter on) a suggested code to mark its evidence spans in the note and scroll to them.
   Shared by the static report and the review server; it only toggles classes, never writes HTML. */
(function () {
  "use strict";

  function showEvidence(container, item) {
    var index = item.getAttribute("data-code-index");
    var already = item.classList.contains("selected");
    container.querySelectorAll(".code.selected").forEach(function (el) { el.classList.remove("selected"); });
    container.querySelectorAll(".seg.evidence-on").forEach(function (el) { el.classList.remove("evidence-on"); });
    if (already) { return; }
    item.classList.add("selected");
    var first = null;
    container.querySelectorAll(".seg[data-codes]").forEach(function (el) {
      if (el.getAttribute("data-codes").split(" ").indexOf(index) >= 0) {
        el.classList.add("evidence-on");
        if (first === null) { first = el; }
      }
    });
    if (first !== null) { first.scrollIntoView({block: "center", behavior: "auto"}); }
  }

  document.querySelectorAll("[data-note]").forEach(function (container) {
    container.querySelectorAll(".code[data-code-index]").forEach(function (item) {
      item.addEventListener("click", function (event) {
        if (event.target.closest("a, button, input, select, textarea")) { return; }
        showEvidence(container, item);
      });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showEvidence(container, item); }
      });
    });
  });
})();
