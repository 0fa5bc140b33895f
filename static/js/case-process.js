// The case editor shows the panels of the case's own process: a child safeguarding practice
// review's notification and rapid review, a SAR's report and board response, a DHR's Home Office
// and quality assurance panel. A panel of another process that already holds a value stays in
// view, so the person can see what the server refuses and empty it.
(function () {
  function filled(section) {
    return Array.from(section.querySelectorAll("input, select, textarea")).some(function (field) {
      if (field.type === "hidden" || field.type === "checkbox" || field.type === "radio") {
        return false;
      }
      // An unanswered yes/no question reads "unknown".
      return field.value !== "" && field.value !== "unknown";
    });
  }

  function show(select) {
    var process = select.value || "child_safeguarding";
    document.querySelectorAll("[data-case-process]").forEach(function (section) {
      section.hidden = section.dataset.caseProcess !== process && !filled(section);
    });
  }

  function start() {
    var select = document.getElementById("id_process");
    if (!select || !document.querySelector("[data-case-process]")) {
      return;
    }
    select.addEventListener("change", function () {
      show(select);
    });
    show(select);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
