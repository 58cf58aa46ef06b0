// The encounter form's few behaviours beyond htmx: say when an autosave did not reach the
// server, swap in only our own answers (not a sign-in page after a session ended), and let an
// officer clear a screen opened by mistake (radio buttons cannot be unticked). Without this file
// the form still submits as a plain POST.
(function () {
  "use strict";
  var form = document.getElementById("encounter-form");
  if (!form) return;
  var draftStatus = document.getElementById("draft-status");

  function resultOf(elt) {
    return elt.matches("details") ? elt.querySelector(".cr-screen__result") : null;
  }

  function say(elt, text) {
    var target = elt === form ? draftStatus : resultOf(elt);
    if (target) target.textContent = text;
  }

  form.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.getResponseHeader("X-Crossroads-Fragment")) {
      if (xhr.status === 400) event.detail.shouldSwap = true; // "Draft not saved: why"
      return;
    }
    event.detail.shouldSwap = false;
    say(event.detail.elt, "You were signed out. Sign in again in a new tab, then submit; " +
      "your last saved draft is kept for 24 hours.");
  });

  form.addEventListener("htmx:sendError", function (event) {
    say(event.detail.elt, event.detail.elt === form
      ? "Draft not saved: no connection. Your entries stay on this page; submit when you have signal."
      : "No connection: the score is worked out again when you submit.");
  });

  // The field-reference link saves the draft, then opens the reference; if the draft was not
  // saved the officer stays, told why, with everything typed still on the page.
  document.querySelectorAll("[data-save-then-open]").forEach(function (link) {
    link.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      if (event.detail.successful) {
        window.location.href = link.href;
      } else if (xhr && xhr.status === 400 && xhr.getResponseHeader("X-Crossroads-Fragment")) {
        draftStatus.innerHTML = xhr.responseText; // our own "Draft not saved: why"
      } else {
        draftStatus.textContent = "Draft not saved, so the reference did not open: " +
          "your entries stay on this page. Try again when you have signal.";
      }
    });
  });

  form.querySelectorAll("[data-clear-screen]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var screen = button.closest("details");
      screen.querySelectorAll("input[type=radio]:checked").forEach(function (radio) {
        radio.checked = false;
      });
      // Re-score (now nothing) and save the draft without the answers.
      screen.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
})();
