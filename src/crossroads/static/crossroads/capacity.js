// The capacity board's one behaviour beyond htmx: swap in nothing but a site's own panel (not
// a sign-in page after the session ended), and say why a report was not saved.
// Without this file, or without JavaScript, each site's form is a plain POST.
(function () {
  "use strict";

  function say(panel, text) {
    var problem = panel.querySelector("[data-capacity-problem]");
    if (!problem) return;
    problem.textContent = text;
    problem.hidden = false;
  }

  function panelOf(event) {
    var target = event.detail.target;
    return target && target.classList && target.classList.contains("cr-capacity") ? target : null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var panel = panelOf(event);
    if (!panel) return;
    var xhr = event.detail.xhr;
    if (xhr.getResponseHeader("X-Crossroads-Fragment")) return;
    event.detail.shouldSwap = false;
    say(panel, xhr.status < 400
      ? "Not saved: you were signed out. Sign in again in a new tab, then save."
      : "Not saved: the server answered " + xhr.status + ". Reload the page and try again.");
  });

  document.addEventListener("htmx:sendError", function (event) {
    var panel = panelOf(event);
    if (panel) say(panel, "Not saved: no connection. Try again when you have signal.");
  });
})();
