/* FirstCall workspace: live speed-to-lead countdowns (My day, board, list, team), the board's drag and drop
   and keyboard moves, and "select all" checkboxes. Plain JavaScript, no build step.

   Progressive enhancement only: without JavaScript the server-rendered "n min left" text stays, every card's
   "Move to" form posts normally (the server asks for a lost reason on its own page), and htmx does the live
   refresh. Events are delegated from the document, so cards swapped in by htmx need no re-binding. */
(function () {
  "use strict";

  // ------------------------------------------------------------------------------------------ countdowns

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function remainingText(milliseconds) {
    var seconds = Math.floor(Math.abs(milliseconds) / 1000);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var text;
    if (hours >= 48) {
      text = Math.floor(hours / 24) + " d";
    } else if (hours > 0) {
      text = hours + " h " + pad(minutes) + " min";
    } else {
      text = minutes + ":" + pad(seconds % 60);
    }
    return milliseconds < 0 ? "Overdue by " + text : text + " left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      // Seconds since the epoch (UTC), so no date parsing differences between browsers.
      var deadline = parseInt(element.getAttribute("data-countdown"), 10) * 1000;
      if (isNaN(deadline)) return;
      var remaining = deadline - now;
      element.textContent = remainingText(remaining);
      element.classList.toggle("clock-overdue", remaining < 0);
      element.classList.toggle("clock-due", remaining >= 0);
    });
  }

  // ------------------------------------------------------------------------------------------ select all

  document.addEventListener("change", function (event) {
    var toggle = event.target;
    if (!toggle.matches || !toggle.matches("[data-select-all]")) return;
    var scope = toggle.closest("form") || document;
    scope.querySelectorAll('input[type="checkbox"][name="lead"]').forEach(function (box) {
      box.checked = toggle.checked;
    });
  });

  // ---------------------------------------------------------------------------------------------- board

  var state = { dragging: null, dialogOpen: false, inFlight: 0 };

  function board() {
    return document.getElementById("board");
  }

  function announce(text) {
    var status = document.getElementById("board-status");
    if (status) status.textContent = text;
  }

  function columnFor(stageId) {
    return document.querySelector('#board .board-column[data-stage-id="' + stageId + '"]');
  }

  function hasUnsubmittedChoice() {
    var active = document.activeElement;
    if (!active || !active.matches || !active.matches("#board select[name=stage]")) return false;
    var card = active.closest(".lead-card");
    return card && active.value !== card.getAttribute("data-stage-id");
  }

  // The board polls every 5 s; hold the poll while a card is dragged, the lost-reason dialog is open, a move is
  // on its way, or someone has picked a stage in a "Move to" menu and not submitted it yet.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target !== board()) return;
    if (state.dragging || state.dialogOpen || state.inFlight || hasUnsubmittedChoice()) {
      event.preventDefault();
    }
  });

  function refreshBoard() {
    var element = board();
    if (element && window.htmx) window.htmx.trigger(element, "fc-refresh");
  }

  function setColumnCount(column, delta) {
    var count = column && column.querySelector(".column-count");
    if (!count) return;
    var value = Math.max(0, parseInt(count.getAttribute("data-count"), 10) + delta);
    count.setAttribute("data-count", value);
    count.textContent = value + (value === 1 ? " lead" : " leads");
  }

  function sendMove(card, column, lostReason, fromKeyboard) {
    var form = card.querySelector("form.move-form");
    if (!form) return;
    var data = new FormData(form);
    data.set("stage", column.getAttribute("data-stage-id"));
    data.set("lost_reason", lostReason || "");
    var origin = card.parentElement;
    var following = card.nextSibling;
    var originColumn = card.closest(".board-column");
    var select = form.querySelector("select[name=stage]");
    var previousStage = card.getAttribute("data-stage-id");

    // Show the move at once; undo it if the server says no.
    column.querySelector("ol.cards").prepend(card);
    setColumnCount(originColumn, -1);
    setColumnCount(column, +1);
    if (fromKeyboard && select) select.focus();
    state.inFlight += 1;

    function undo(message) {
      origin.insertBefore(card, following);
      setColumnCount(originColumn, +1);
      setColumnCount(column, -1);
      if (select) select.value = previousStage;
      card.classList.add("move-refused");
      announce(message);
      if (fromKeyboard && select) select.focus();
    }

    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { ok: false, error: "The lead could not be moved (" + response.status + ")." };
          })
          .then(function (body) {
            if (response.ok && body.ok) {
              card.setAttribute("data-stage-id", column.getAttribute("data-stage-id"));
              card.classList.remove("move-refused");
              if (select) select.value = column.getAttribute("data-stage-id");
              announce(body.message || "Moved.");
            } else {
              undo(body.error || "The lead could not be moved.");
            }
          });
      })
      .catch(function () {
        undo("Network problem: the lead was not moved.");
      })
      .finally(function () {
        state.inFlight -= 1;
        refreshBoard();
      });
  }

  function askLostReason(card, done) {
    var dialog = document.getElementById("lost-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      var typed = window.prompt("Why was this lead lost?");
      done(typed && typed.trim() ? typed.trim() : null);
      return;
    }
    var form = dialog.querySelector("form");
    var input = dialog.querySelector("#lost-reason-input");
    var cancel = dialog.querySelector("[data-dialog-cancel]");
    dialog.querySelector("#lost-dialog-lead").textContent = card.getAttribute("data-lead-name") || "";
    input.value = "";
    state.dialogOpen = true;

    function finish(reason) {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      state.dialogOpen = false;
      if (dialog.open) dialog.close();
      done(reason);
    }
    function onSubmit(event) {
      event.preventDefault();
      var reason = input.value.trim();
      if (!reason) {
        input.focus();
        return;
      }
      finish(reason);
    }
    function onCancel(event) {
      event.preventDefault();
      finish(null);
    }
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel); // Escape
    dialog.showModal();
    input.focus();
  }

  function requestMove(card, column, fromKeyboard) {
    if (column.getAttribute("data-stage-id") === card.getAttribute("data-stage-id")) return;
    if (column.getAttribute("data-stage-outcome") === "lost") {
      askLostReason(card, function (reason) {
        if (reason === null) {
          var select = card.querySelector("select[name=stage]");
          if (select) select.value = card.getAttribute("data-stage-id");
          announce("Not moved.");
          var focusTarget = fromKeyboard ? select : card.querySelector(".card-name");
          if (focusTarget) focusTarget.focus();
          return;
        }
        sendMove(card, column, reason, fromKeyboard);
      });
    } else {
      sendMove(card, column, "", fromKeyboard);
    }
  }

  // The keyboard (and phone) path: each card's "Move to" form, sent without leaving the page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("#board form.move-form")) return;
    event.preventDefault();
    var card = form.closest(".lead-card");
    var stageId = form.querySelector("select[name=stage]").value;
    var column = columnFor(stageId);
    if (!column) {
      form.submit(); // the stage's column is not on this page: let the server handle it
      return;
    }
    if (stageId === card.getAttribute("data-stage-id")) {
      announce("Already in " + column.getAttribute("data-stage-name") + ".");
      return;
    }
    requestMove(card, column, true);
  });

  // Drag and drop (HTML5): only cards the person may move are draggable.
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("#board .lead-card.is-movable");
    if (!card) return;
    state.dragging = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-lead-id"));
    card.classList.add("is-dragging");
  });

  function clearDropTargets() {
    document.querySelectorAll("#board .is-drop-target").forEach(function (column) {
      column.classList.remove("is-drop-target");
    });
  }

  document.addEventListener("dragover", function (event) {
    if (!state.dragging) return;
    var column = event.target.closest && event.target.closest("#board .board-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-drop-target")) {
      clearDropTargets();
      column.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var card = state.dragging;
    if (!card) return;
    var column = event.target.closest && event.target.closest("#board .board-column");
    if (!column) return;
    event.preventDefault();
    clearDropTargets();
    requestMove(card, column, false);
  });

  document.addEventListener("dragend", function () {
    if (state.dragging) state.dragging.classList.remove("is-dragging");
    state.dragging = null;
    clearDropTargets();
  });

  // ---------------------------------------------------------------------------------------------- start

  tick();
  window.setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
