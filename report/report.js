// fangkong report: layer switches, tooltips, pinned details, map zoom and pan. No network, no library.
(function () {
  "use strict";
  var body = document.body;

  // a layer switches in every scenario's map: its checkboxes follow each other
  var boxes = document.querySelectorAll(".layer-toggle");
  function applyLayer(box) {
    boxes.forEach(function (other) { if (other.value === box.value) other.checked = box.checked; });
    body.classList.toggle("hide-" + box.value, !box.checked);
  }
  boxes.forEach(function (box) {
    body.classList.toggle("hide-" + box.value, !box.checked);
    box.addEventListener("change", function () { applyLayer(box); });
  });

  document.querySelectorAll(".vehicle-pick").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var scope = sel.closest(".scenario");
      scope.querySelectorAll(".delivery").forEach(function (el) {
        var show = sel.value === "*" || el.getAttribute("data-vehicle") === sel.value;
        el.style.display = show ? "" : "none";
      });
    });
  });

  var tooltip = document.getElementById("tooltip");
  function tipOf(target) { return target && target.closest ? target.closest("[data-tip]") : null; }
  document.addEventListener("mouseover", function (e) {
    var el = tipOf(e.target);
    if (!el) { tooltip.style.display = "none"; return; }
    tooltip.textContent = el.getAttribute("data-tip");
    tooltip.style.display = "block";
  });
  document.addEventListener("mousemove", function (e) {
    if (tooltip.style.display !== "block") return;
    var x = e.clientX + 14, y = e.clientY + 14;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    if (x + w > window.innerWidth) x = e.clientX - w - 10;
    if (y + h > window.innerHeight) y = e.clientY - h - 10;
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  });
  document.addEventListener("click", function (e) {
    var el = tipOf(e.target);
    if (!el || dragged) return;
    var scope = el.closest(".scenario") || document;
    scope.querySelectorAll(".picked").forEach(function (p) { p.classList.remove("picked"); });
    el.classList.add("picked");
    var info = scope.querySelector(".info-text");
    if (info) info.textContent = el.getAttribute("data-tip");
  });

  // zoom (wheel), pan (drag), reset (double-click) by rewriting the map's viewBox
  var dragged = false;
  document.querySelectorAll("svg.map").forEach(function (svg) {
    var home = svg.getAttribute("viewBox").split(" ").map(Number);
    var vb = home.slice();
    function set() { svg.setAttribute("viewBox", vb.join(" ")); }
    function toMap(e) {
      var r = svg.getBoundingClientRect();
      return [vb[0] + (e.clientX - r.left) / r.width * vb[2], vb[1] + (e.clientY - r.top) / r.height * vb[3]];
    }
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = toMap(e), f = e.deltaY < 0 ? 0.8 : 1.25;
      var w = Math.min(Math.max(vb[2] * f, home[2] / 40), home[2] * 2);
      f = w / vb[2];
      vb = [p[0] - (p[0] - vb[0]) * f, p[1] - (p[1] - vb[1]) * f, vb[2] * f, vb[3] * f];
      set();
    }, { passive: false });
    var start = null;
    svg.addEventListener("mousedown", function (e) { start = [e.clientX, e.clientY, vb[0], vb[1]]; dragged = false; });
    window.addEventListener("mousemove", function (e) {
      if (!start) return;
      var r = svg.getBoundingClientRect(), dx = e.clientX - start[0], dy = e.clientY - start[1];
      if (Math.abs(dx) + Math.abs(dy) > 3) dragged = true;
      vb[0] = start[2] - dx / r.width * vb[2];
      vb[1] = start[3] - dy / r.height * vb[3];
      set();
    });
    window.addEventListener("mouseup", function () { start = null; setTimeout(function () { dragged = false; }, 0); });
    svg.addEventListener("dblclick", function () { vb = home.slice(); set(); });
  });
})();
