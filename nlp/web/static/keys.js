/* Keyboard shortcuts on the note page: n/p next/previous, a accept, e edit, r reject, c comment.
   Keys typed into a form field are left alone. */
(function () {
  "use strict";
  var editPanel = document.getElementById("edit-panel");
  var toggle = document.getElementById("edit-toggle");

  function openEdit() {
    if (!editPanel) { return; }
    editPanel.open = true;
    var first = editPanel.querySelector("input.code-input");
    if (first) { first.focus(); first.select(); }
  }
  if (toggle) { toggle.addEventListener("click", openEdit); }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.getAttribute("href"); }
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (field) { field.focus(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    var actions = {
      n: function () { follow("next-note"); },
      p: function () { follow("prev-note"); },
      a: function () { var form = document.getElementById("accept-form"); if (form) { form.requestSubmit(); } },
      e: openEdit,
      r: function () { focusField("reject-comment"); },
      c: function () { focusField("comment-input"); }
    };
    var action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  });
  // Tells scripted clients (the browser tests) that the shortcuts are live on this page.
  document.documentElement.setAttribute("data-keys", "ready");
})();
