// backcheck: progressive enhancement only; every page works without this script.
(function () {
  "use strict";
  // Live progress of a video analysis (the page also refreshes itself without JavaScript).
  var job = document.getElementById("job");
  if (job && (job.dataset.status === "queued" || job.dataset.status === "running")) {
    var meta = document.querySelector('meta[http-equiv="refresh"]');
    if (meta) { meta.parentNode.removeChild(meta); }
    var bar = document.getElementById("job-progress");
    var stage = document.getElementById("job-stage");
    var percent = document.getElementById("job-percent");
    var poll = function () {
      fetch(job.dataset.statusUrl, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
          bar.value = s.progress;
          percent.textContent = Math.round(s.progress * 100);
          stage.textContent = s.status === "queued" ? "Waiting to start…" : "Analysing: " + s.stage;
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 500);
  }
  // A follow-up question on an interview screen asked only after one answer to an earlier
  // one ("did self-care help?" after "yes, I tried it"): shown once that answer is picked.
  // Without this script the question stays visible and its answer is simply not needed.
  document.querySelectorAll("fieldset[data-show-if-name]").forEach(function (set) {
    var form = set.form || set.closest("form");
    if (!form) { return; }
    var update = function () {
      var picked = form.querySelector('input[name="' + set.dataset.showIfName + '"]:checked');
      var shown = picked !== null && picked.value === set.dataset.showIfValue;
      set.hidden = !shown;
      if (!shown) {
        set.querySelectorAll("input").forEach(function (input) {
          if (input.type === "radio") { input.checked = false; } else { input.value = ""; }
        });
      }
    };
    form.addEventListener("change", update);
    update();
  });
  // Print button on the report.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
