// Live preview of a schedule's next times while the admin types. Without this script the
// form still works: "Preview times" posts it back and the server shows the same preview.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  var box = document.getElementById("preview");
  if (!form || !box || !window.fetch) { return; }
  var timer = null;
  var latest = 0;

  function query() {
    var data = new FormData(form);
    data.delete("csrf");
    return new URLSearchParams(data).toString();
  }

  function withCode(parent, text) {
    // The answers mark commands with backticks; show those parts as code, never as HTML.
    String(text || "").split("`").forEach(function (part, i) {
      if (!part) { return; }
      if (i % 2) {
        var code = document.createElement("code");
        code.textContent = part;
        parent.appendChild(code);
      } else {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function show(answer) {
    box.classList.toggle("preview-error", !answer.ok);
    var title = box.querySelector("#preview-title");
    var body = box.querySelector(".preview-body");
    var list = box.querySelector(".preview-times");
    title.textContent = answer.ok ? "Next times" : "Not quite";
    body.textContent = "";
    withCode(body, answer.body);
    list.textContent = "";
    (answer.times || []).forEach(function (time) {
      var item = document.createElement("li");
      item.textContent = time;
      list.appendChild(item);
    });
  }

  function update() {
    var mine = ++latest;
    fetch(form.getAttribute("data-preview") + "?" + query(), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (mine === latest) { show(answer); }
    }).catch(function () { /* offline for a moment: keep the last preview */ });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 200);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  form.setAttribute("data-live", "1");
}());
