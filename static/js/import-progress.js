// The page shown while an uploaded review is read: ask again every two seconds and update the
// status in place (a polite live region, so screen readers hear the page count without the page
// reloading under them); once the reading is done, show what was found.
(function () {
  const region = document.getElementById("import-progress");
  if (!region) {
    return;
  }
  const poll = function () {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected) {
          window.location.assign(response.url);
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        const page = new DOMParser().parseFromString(html, "text/html");
        const next = page.getElementById("import-progress");
        if (!next) {
          window.location.reload();
          return;
        }
        if (next.innerHTML !== region.innerHTML) {
          region.innerHTML = next.innerHTML;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  };
  window.setTimeout(poll, 2000);
})();
