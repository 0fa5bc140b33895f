// A filter panel is a <details> closed on a phone, so the results come first, and open where
// there is room beside or above them. Without this script it stays a working disclosure.
(function () {
  var wide = window.matchMedia("(min-width: 48.01rem)");
  var panels = document.querySelectorAll("details[data-open-when-wide]");
  function follow() {
    panels.forEach(function (panel) { panel.open = wide.matches || panel.hasAttribute("data-keep-open"); });
  }
  follow();
  wide.addEventListener("change", follow);
})();
