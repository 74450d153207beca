// A little progressive enhancement: every form works without this file.
// - [data-confirm] forms ask before destroying something;
// - the welcome message's preview follows what is typed (the server renders it, with the same
//   rules the save uses, so an unknown placeholder shows its error right away).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function livePreview(textarea) {
    var target = document.getElementById(textarea.getAttribute("data-preview-target"));
    var problem = document.getElementById(textarea.getAttribute("data-preview-error"));
    var url = textarea.getAttribute("data-preview-url");
    var form = textarea.form;
    var timer = null;
    var asked = 0;
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        var body = new URLSearchParams();
        body.set("template", textarea.value);
        fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "X-CSRF-Token": form.querySelector("input[name=csrf_token]").value,
            "Content-Type": "application/x-www-form-urlencoded"
          },
          body: body
        }).then(function (r) { return r.json(); }).then(function (answer) {
          if (mine !== asked) { return; }
          if (answer.ok) {
            target.innerHTML = answer.html;
            problem.textContent = "";
            problem.hidden = true;
          } else {
            problem.textContent = answer.error;
            problem.hidden = false;
          }
        }).catch(function () { /* the next keystroke tries again */ });
      }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-preview-url]");
    for (var i = 0; i < areas.length; i++) { livePreview(areas[i]); }
  });
})();
