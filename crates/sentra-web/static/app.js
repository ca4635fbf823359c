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
