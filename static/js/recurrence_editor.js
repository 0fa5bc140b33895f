// The review editor: beside each recommendation's text, "Has this been said before?" lists the most
// similar earlier recommendations (from /api/learning/similar/); a saved recommendation can be
// linked to one as the same finding, or the suggestion set aside.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function decide(recommendationId, otherId, decision, status) {
    fetch("/api/learning/recommendations/" + recommendationId + "/recurrence/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ other: otherId, decision: decision }),
    }).then(function (response) {
      status.textContent = response.ok
        ? (decision === "link" ? "Linked as the same finding." : "Set aside.")
        : "Could not record that (" + response.status + ").";
    });
  }

  function show(box, results, recommendationId) {
    box.replaceChildren();
    if (!results.length) {
      box.appendChild(element("p", "No similar earlier recommendation found."));
      return;
    }
    var list = element("ul");
    results.forEach(function (item) {
      var row = element("li");
      var link = element("a", item.review + (item.year ? ", " + item.year : "") + " (rec. " + item.number + ")");
      link.href = item.url;
      link.target = "_blank";
      row.appendChild(link);
      row.appendChild(element("span", item.linked ? " — linked" : " — suggested"));
      if (item.themes.length) row.appendChild(element("span", ". Themes: " + item.themes.join(", ")));
      row.appendChild(element("p", item.text, "help"));
      if (recommendationId && !item.linked && String(item.id) !== String(recommendationId)) {
        var status = element("span", "", "help");
        status.setAttribute("role", "status");
        ["link", "dismiss"].forEach(function (decision) {
          var button = element("button", decision === "link" ? "Link as the same finding" : "Not the same",
            "button button-small button-secondary");
          button.type = "button";
          button.addEventListener("click", function () { decide(recommendationId, item.id, decision, status); });
          row.appendChild(button);
        });
        row.appendChild(status);
      }
      list.appendChild(row);
    });
    box.appendChild(list);
  }

  function attach(textarea) {
    if (textarea.dataset.recurrence) return;
    textarea.dataset.recurrence = "1";
    var prefix = textarea.name.replace(/-text$/, "");
    var idInput = document.querySelector("input[name='" + prefix + "-id']");
    var button = element("button", "Has this been said before?", "button button-small button-secondary");
    button.type = "button";
    var box = element("div", "", "help-block");
    box.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () {
      if (!textarea.value.trim()) { box.textContent = "Write the recommendation first."; return; }
      box.textContent = "Looking…";
      var url = "/api/learning/similar/?limit=5&text=" + encodeURIComponent(textarea.value.slice(0, 5000));
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { show(box, data.results || [], idInput && idInput.value); })
        .catch(function () { box.textContent = "Could not look for similar recommendations."; });
    });
    textarea.insertAdjacentElement("afterend", box);
    textarea.insertAdjacentElement("afterend", button);
  }

  function scan() {
    document.querySelectorAll("textarea[name^='recommendations-'][name$='-text']").forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () {
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  });
})();
