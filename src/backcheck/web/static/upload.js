// backcheck: the video upload with a progress bar (XHR upload events), for clips of hundreds
// of MB from a phone. Without this script the form still posts normally.
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("upload-form");
    if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
    var input = document.getElementById("video");
    var button = form.querySelector('button[type="submit"]');
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var text = document.getElementById("upload-text");
    var cancel = document.getElementById("upload-cancel");
    var failure = document.getElementById("upload-error");
    var picker = document.getElementById("video-pick");
    var chosen = document.getElementById("video-chosen");

    function mb(bytes) { return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0); }

    // The input opens the camera (capture); this button picks a video already on the phone.
    // Only touch screens open the camera from the field; a computer shows its file dialog.
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (picker && input && touch) {
      picker.hidden = false;
      picker.addEventListener("click", function () {
        input.removeAttribute("capture");
        input.click();
        window.setTimeout(function () { input.setAttribute("capture", "environment"); }, 1000);
      });
    }
    if (input && chosen) {
      input.addEventListener("change", function () {
        var f = input.files && input.files[0];
        chosen.textContent = f ? f.name + " (" + mb(f.size) + " MB)" : "";
      });
    }

    function showError(message) {
      failure.textContent = message;
      failure.hidden = false;
      box.hidden = true;
      button.disabled = false;
      button.textContent = button.dataset.label;
    }

    form.addEventListener("submit", function (event) {
      if (!input || !input.files || !input.files.length) { return; } // the browser says "required"
      event.preventDefault();
      var file = input.files[0];
      var xhr = new XMLHttpRequest();
      var started = Date.now();
      button.dataset.label = button.dataset.label || button.textContent;
      button.disabled = true;
      button.textContent = "Uploading…";
      failure.hidden = true;
      box.hidden = false;
      bar.value = 0;
      text.textContent = "Starting the upload of " + mb(file.size) + " MB…";

      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var seconds = Math.max((Date.now() - started) / 1000, 0.001);
        var rate = e.loaded / seconds;
        var left = rate > 0 ? Math.round((e.total - e.loaded) / rate) : 0;
        bar.value = e.loaded / e.total;
        text.textContent = "Uploaded " + mb(e.loaded) + " of " + mb(e.total) + " MB (" +
          Math.round(100 * e.loaded / e.total) + "%)" +
          (left > 1 ? ", about " + left + " s left" : "");
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server files it
        text.textContent = "Uploaded. Checking the video…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL.indexOf("/analyses/") !== -1) {
          window.location.assign(xhr.responseURL);
          return;
        }
        // The server answered with the form again, the reason next to its field (or an error
        // page): show that page's content, as without this script.
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.getElementById("main");
        if (main && document.getElementById("main")) {
          document.getElementById("main").replaceWith(document.adoptNode(main));
          init();
          return;
        }
        showError("The upload failed (status " + xhr.status + ").");
      });
      xhr.addEventListener("error", function () {
        showError("The upload was interrupted. Check that this phone is still on the same network and try again.");
      });
      xhr.addEventListener("abort", function () { showError("Upload cancelled."); });
      if (cancel) {
        cancel.onclick = function () { xhr.abort(); };
      }
      xhr.open("POST", form.action);
      xhr.send(new FormData(form));
    });
  }
  init();
})();
