// When a form comes back with errors, the person hears it first: focus moves to the error
// summary and the page's title starts with "Error: ", as GOV.UK forms do.
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  if (document.title.indexOf("Error: ") !== 0) {
    document.title = "Error: " + document.title;
  }
  if (!summary.hasAttribute("tabindex")) {
    summary.setAttribute("tabindex", "-1");
  }
  summary.focus();
})();
