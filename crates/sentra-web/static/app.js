// Optional comfort: region selects apply themselves. Everything works without this script.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (!el || !el.form) return;
  if (el.hasAttribute("data-autosubmit")) { el.form.submit(); }
  if (el.hasAttribute("data-refresh")) {
    var flag = document.createElement("input");
    flag.type = "hidden"; flag.name = "_refresh"; flag.value = "1";
    el.form.appendChild(flag); el.form.submit();
  }
});
// After a failed save, move focus to the error summary so that it is read out first.
var summary = document.getElementById("errors");
if (summary) { summary.focus(); }
// Signing out clears the field app's data on this phone (Clear-Site-Data): warn first when
// some of its changes have not been sent yet.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form || form.getAttribute("action") !== "/logout" || form.id === "sign-out-form" || !window.indexedDB || form.dataset.checked) return;
  e.preventDefault();
  var by = e.submitter;
  // requestSubmit keeps which button was pressed ("everywhere").
  var go = function () { form.dataset.checked = "1"; if (form.requestSubmit) form.requestSubmit(by); else form.submit(); };
  var open = indexedDB.open("sentra-lapangan");
  open.onupgradeneeded = function () { open.transaction.abort(); };
  open.onerror = go;
  open.onsuccess = function () {
    var db = open.result;
    if (!db.objectStoreNames.contains("outbox")) { db.close(); go(); return; }
    var req = db.transaction("outbox").objectStore("outbox").getAll();
    req.onsuccess = function () {
      db.close();
      var unsent = req.result.filter(function (c) { return c.state !== "done"; }).length;
      var ask = document.documentElement.lang === "en"
        ? unsent + " changes in the field app have not been sent. Signing out deletes them from this phone. Sign out anyway?"
        : unsent + " perubahan di aplikasi lapangan belum terkirim. Keluar menghapusnya dari ponsel ini. Tetap keluar?";
      if (unsent === 0 || window.confirm(ask)) go();
    };
    req.onerror = function () { db.close(); go(); };
  };
});
// Browsers without ::details-content keep a closed <details> folded at any width: on a wide
// screen the menu is opened so that it shows inline, as the stylesheet lays it out.
var menu = document.getElementById("menu");
if (menu && window.matchMedia && window.matchMedia("(min-width: 64rem)").matches) { menu.open = true; }
if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
  document.querySelectorAll("details[data-wide]").forEach(function (d) { d.open = true; });
}
// "Back to the catalogue" returns to the search the visitor came from (the page itself is the
// same for everyone, so the address is taken from this tab's history, not sent by the server).
document.querySelectorAll("a[data-back]").forEach(function (a) {
  try {
    var from = new URL(document.referrer);
    if (from.origin === location.origin && from.pathname === a.dataset.back) { a.href = from.pathname + from.search; }
  } catch (e) { /* no referrer */ }
});
// The print button of the QR sign (the browser's own Print works without this script).
document.querySelectorAll("button[data-print]").forEach(function (b) {
  b.addEventListener("click", function () { window.print(); });
});
// The FGD's scales: the answer just tapped, in words under its pair.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (!el || el.type !== "radio" || !el.closest) return;
  var pair = el.closest("fieldset.pair");
  var out = pair && pair.querySelector(".chosen");
  if (!out) return;
  var words = pair.querySelector('label[for="' + el.id + '"] .visually-hidden');
  out.textContent = el.value === "" || !words ? "" : words.textContent;
});
