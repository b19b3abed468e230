// Wharf's only script. Every form works without it; it adds copy buttons
// and a confirmation before destructive actions.
"use strict";

document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("[data-copy]");
  if (!btn) return;
  var src = document.getElementById(btn.getAttribute("data-copy"));
  if (!src) return;
  var text = src.value !== undefined && src.tagName === "INPUT" ? src.value : src.textContent;
  var done = function () {
    var old = btn.textContent;
    btn.textContent = "Copied";
    btn.setAttribute("data-copied", "true");
    setTimeout(function () { btn.textContent = old; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
  } else {
    selectText(src);
    try { document.execCommand("copy"); done(); } catch (e) { /* selected for manual copy */ }
  }
});

function selectText(el) {
  if (el.select) { el.select(); return; }
  var r = document.createRange();
  r.selectNodeContents(el);
  var s = window.getSelection();
  s.removeAllRanges();
  s.addRange(r);
}

document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) ev.preventDefault();
});

// Copy buttons are hidden until the script runs, since they need it.
document.documentElement.classList.add("js");
