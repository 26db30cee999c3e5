// CoE Workflows: small enhancements only. Every page works without this script.
(function () {
  "use strict";

  // The unread count in the header follows the feed's server-sent events.
  var badge = document.querySelector("[data-unread]");
  if (badge && window.EventSource) {
    var source = new EventSource("/v1/notifications/stream");
    source.addEventListener("unread", function (event) {
      try { badge.textContent = String(JSON.parse(event.data).unread); } catch (ignored) {}
    });
    source.addEventListener("notification", function () {
      var inbox = document.querySelector("[data-inbox-live]");
      if (inbox) { inbox.hidden = false; }
    });
    source.onerror = function () { if (source.readyState === 2) { source.close(); } };
  }

  // A rubric's weighted total, live while the reviewer scores.
  document.querySelectorAll("[data-rubric]").forEach(function (form) {
    var output = form.querySelector("[data-weighted-total]");
    function update() {
      var total = 0, weights = 0, complete = true;
      form.querySelectorAll("[data-weight]").forEach(function (input) {
        var weight = parseFloat(input.getAttribute("data-weight")) || 0;
        var max = parseFloat(input.getAttribute("max")) || 1;
        var value = parseFloat(input.value);
        if (isNaN(value)) { complete = false; return; }
        total += weight * value / max; weights += weight;
      });
      var french = document.documentElement.lang === "fr";
      var text = (100 * total / weights).toFixed(1);
      if (output) { output.textContent = complete && weights > 0 ? (french ? text.replace(".", ",") : text) + " / 100" : "–"; }
    }
    form.addEventListener("input", update);
    update();
  });

  // A payment schedule: another row on demand, and the sum of the shares as they are typed.
  document.querySelectorAll("[data-schedule]").forEach(function (table) {
    var body = table.querySelector("tbody");
    var add = document.querySelector("[data-add-row]");
    var sum = document.querySelector("[data-schedule-sum]");
    function update() {
      var total = 0;
      body.querySelectorAll("input[name='share']").forEach(function (input) { total += parseFloat(input.value) || 0; });
      if (sum) { sum.textContent = total + " %"; }
    }
    if (add) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var rows = body.querySelectorAll("tr");
        var copy = rows[rows.length - 1].cloneNode(true);
        copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        body.appendChild(copy);
        update();
      });
    }
    table.addEventListener("input", update);
    update();
  });
})();
