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
  // Print button on the report.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
