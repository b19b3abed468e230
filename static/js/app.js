// Wharf's only script. Every form works without it; it adds copy buttons,
// a confirmation before destructive actions, remembers the chosen install
// tab and focuses a refused form's wrong field.
"use strict";

document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("[data-copy]");
  if (!btn) return;
  var src = document.getElementById(btn.getAttribute("data-copy"));
  if (!src) return;
  var text = src.value !== undefined && src.tagName === "INPUT" ? src.value : src.textContent;
  // Only the visible word changes: the button's visually hidden label
  // (what a screen reader hears) must survive, or "Copy" comes back as
  // "Copythe command" and squeezes the snippet beside it.
  var word = btn.firstChild && btn.firstChild.nodeType === Node.TEXT_NODE ? btn.firstChild : null;
  var done = function () {
    if (!word) { btn.setAttribute("data-copied", "true"); return; }
    if (btn.getAttribute("data-copied") !== "true") btn.setAttribute("data-word", word.nodeValue);
    word.nodeValue = "Copied";
    btn.setAttribute("data-copied", "true");
    clearTimeout(btn.wharfTimer);
    btn.wharfTimer = setTimeout(function () {
      word.nodeValue = btn.getAttribute("data-word");
      btn.setAttribute("data-copied", "false");
    }, 2000);
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

// Install tabs: the page works without this (the tabs are radios styled
// by CSS); with it, the tool chosen on one package page is chosen on the
// next.
var toolKey = "wharf-install-tool";
document.addEventListener("change", function (ev) {
  if (ev.target.name !== "install-tool") return;
  try { localStorage.setItem(toolKey, ev.target.value); } catch (e) { /* storage off */ }
});
(function () {
  var tool = null;
  try { tool = localStorage.getItem(toolKey); } catch (e) { return; }
  if (!tool) return;
  var radio = document.querySelector('input[name="install-tool"][value="' + tool.replace(/[^a-z0-9-]/g, "") + '"]');
  if (radio) radio.checked = true;
})();

// A refused form: bring its first wrong field into view and focus it, so
// the error beside it is read at once.
(function () {
  var bad = document.querySelector('main [aria-invalid="true"]');
  if (bad) bad.focus();
})();

// Copy buttons are hidden until the script runs, since they need it.
document.documentElement.classList.add("js");
