/*
 * The staff calendar (/calendar/).
 * - Dialogs: htmx loads new/details/edit fragments into #cal-dialog-body; this
 *   opens the <dialog>, closes it when a save leaves the body empty, and lets
 *   refused saves (400/403/409) swap in the form with its messages.
 * - Create: a click on free time opens the new-appointment dialog for that doctor, day and time.
 * - Drag and drop (interact.js): move a block to another time or column, or drag
 *   its bottom edge to change the length; the server checks everything, a refused
 *   move snaps back and the reason is shown.
 * - Live: joins the branch's Socket.IO room; on an appointment event re-fetches
 *   that appointment's block (server-rendered) and puts it in its column; an event
 *   for a doctor hidden that day (not working) reloads the grid, which now shows them.
 * - Opens scrolled to the row the server chose (#cal-grid[data-scroll-row]): now during
 *   the working day, else its start.
 * Every text a person reads comes from the page (#calendar-i18n), in their language.
 */
(function () {
  'use strict';

  var EVENTS = ['appointment_created', 'appointment_updated', 'appointment_moved',
    'appointment_cancelled'];
  var ROW_MINUTES = 5;
  var RELOAD_EVERY_MS = 5 * 60 * 1000;
  var TOAST_MS = 6000;

  var root = document.getElementById('calendar');
  if (!root) return;
  var text = JSON.parse(document.getElementById('calendar-i18n').textContent);
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }
  var dialog = document.getElementById('cal-dialog');
  var dialogBody = document.getElementById('cal-dialog-body');
  var toastEl = document.getElementById('cal-toast');
  var live = document.getElementById('cal-live');
  var canManage = root.getAttribute('data-can-manage') === '1';
  var shownDays = (root.getAttribute('data-days') || '').split(',');
  var weekDoctor = root.getAttribute('data-doctor');
  var dragging = null;        // the block being dragged or resized
  var reloadWanted = false;   // a grid reload waits for the drag to end
  var toastTimer = null;
  if (canManage) root.classList.add('may-manage');

  // --- small helpers ---------------------------------------------------------
  function grid() { return document.getElementById('cal-grid'); }
  function gridInt(name) { return parseInt(grid().getAttribute('data-' + name), 10); }
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(minutes) {
    minutes = ((minutes % 1440) + 1440) % 1440;
    return pad(Math.floor(minutes / 60)) + ':' + pad(minutes % 60);
  }
  function minutesOf(text) {
    var parts = text.split(':');
    return parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10);
  }
  function rowHeight(col) {
    var rows = (gridInt('last') - gridInt('origin')) / ROW_MINUTES;
    return col.getBoundingClientRect().height / rows;
  }
  function toast(message, isError, isWarning) {
    if (!toastEl || !message) return;
    toastEl.textContent = message;
    toastEl.classList.toggle('is-error', !!isError);
    toastEl.classList.toggle('is-warning', !isError && !!isWarning);
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toastEl.hidden = true; }, isError ? TOAST_MS * 1.5 : TOAST_MS);
  }
  function say(text, offline) {
    if (!live) return;
    live.textContent = text;
    live.classList.toggle('is-offline', !!offline);
  }
  function withQuery(url, params) {
    var query = Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + '=' + encodeURIComponent(params[key]);
    }).join('&');
    return url + (url.indexOf('?') === -1 ? '?' : '&') + query;
  }
  function rangeQuery() { return {origin: gridInt('origin'), last: gridInt('last')}; }

  // --- the dialog ------------------------------------------------------------
  function openDialog() {
    if (dialog && !dialog.open) dialog.showModal();
  }
  function closeDialog() {
    if (dialog && dialog.open) dialog.close();
  }
  function load(url) {
    window.htmx.ajax('GET', url, {target: '#cal-dialog-body', swap: 'innerHTML'});
  }
  if (dialog) {
    dialog.addEventListener('close', function () { dialogBody.innerHTML = ''; });
    // A click on the backdrop (the dialog element itself, outside its box) closes it.
    dialog.addEventListener('click', function (evt) {
      if (evt.target !== dialog) return;
      var box = dialog.getBoundingClientRect();
      var inside = evt.clientX >= box.left && evt.clientX <= box.right &&
        evt.clientY >= box.top && evt.clientY <= box.bottom;
      if (!inside) closeDialog();
    });
  }

  // After the dialog's content changes: the first field with an error, else the field the
  // fragment asks for; so a keyboard user never lands on <body>.
  function focusDialog() {
    var target = dialogBody.querySelector('.is-invalid, [role="alert"] ~ * input, [data-autofocus]');
    if (target && typeof target.focus === 'function') {
      target.focus();
      if (target.scrollIntoView) target.scrollIntoView({block: 'center'});
    } else {
      dialog.scrollTop = 0;
    }
  }
  document.addEventListener('click', function (evt) {
    if (evt.target.closest('[data-close-dialog]')) {
      evt.preventDefault();
      closeDialog();
    }
    var keep = evt.target.closest('[data-close-details]');
    if (keep) keep.closest('details').open = false;
    if (evt.target.closest('.cal-cancel > summary')) {  // opening: straight to the reason
      setTimeout(function () {
        var reason = document.getElementById('cal-cancel-reason');
        if (reason) reason.focus();
      }, 0);
    }
  });

  document.addEventListener('htmx:beforeSwap', function (evt) {
    var status = evt.detail.xhr.status;
    var target = evt.detail.target;
    if (target && target.id === 'cal-dialog-body' && (status === 400 || status === 403 || status === 409)) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener('htmx:responseError', function (evt) {
    var status = evt.detail.xhr.status;
    // The server's message fragment, read from an inert document.
    var said = (new DOMParser().parseFromString(evt.detail.xhr.responseText || '', 'text/html')
      .body.textContent || '').trim();
    toast(said && said.length < 300 ? said :
      status === 404 ? text.not_found :
        status === 403 ? text.forbidden : fill(text.failed, {code: status}), true);
  });
  document.addEventListener('htmx:sendError', function () {
    toast(text.offline, true);
  });
  document.addEventListener('htmx:afterSwap', function (evt) {
    if (evt.detail.target && evt.detail.target.id === 'cal-dialog-body') {
      if (dialogBody.children.length) { openDialog(); focusDialog(); } else closeDialog();
    }
  });
  // HX-Trigger of a successful save: {"calendar-saved": {id, message, removed}}.
  document.body.addEventListener('calendar-saved', function (evt) {
    var detail = evt.detail || {};
    toast(detail.message, false, detail.warning);
    if (detail.removed) removeBlock(detail.id); else refreshBlock(detail.id);
  });

  // The patient picker and the «new patient» toggle of the booking dialog.
  document.addEventListener('click', function (evt) {
    var pick = evt.target.closest('.cal-pick');
    if (pick) {
      document.getElementById('cal-patient-id').value = pick.getAttribute('data-patient-id');
      document.getElementById('cal-picked-label').textContent = pick.getAttribute('data-patient-label');
      document.getElementById('cal-picked').classList.remove('hidden');
      document.getElementById('cal-search').classList.add('hidden');
      var next = document.getElementById('service');
      if (next) next.focus();
      return;
    }
    var use = evt.target.closest('[data-use-patient]');
    if (use) {  // the namesake on file: book them instead of registering a new card
      document.getElementById('cal-patient-id').value = use.getAttribute('data-use-patient');
      var fresh = document.querySelector('[data-toggle-new]');
      if (fresh) fresh.checked = false;
      return;  // the button submits the form
    }
    if (evt.target.closest('[data-force-new]')) {
      document.getElementById('cal-force-new').value = '1';
      return;
    }
    if (evt.target.closest('[data-unpick]')) {
      document.getElementById('cal-patient-id').value = '';
      document.getElementById('cal-picked').classList.add('hidden');
      document.getElementById('cal-search').classList.remove('hidden');
      var query = document.querySelector('#cal-search input');
      if (query) query.focus();
    }
  });
  document.addEventListener('change', function (evt) {
    var target = evt.target;
    if (target.matches('[data-toggle-new]')) {
      var fresh = target.checked;
      document.getElementById('cal-new-patient').classList.toggle('hidden', !fresh);
      document.getElementById('cal-search').classList.toggle('hidden', fresh);
      document.getElementById('cal-picked').classList.add('hidden');
      document.getElementById('cal-patient-id').value = '';
      if (fresh) document.querySelector('#cal-new-patient input').focus();
    } else if (target.matches('select[data-duration-target]')) {
      var option = target.options[target.selectedIndex];
      var minutes = option && option.getAttribute('data-minutes');
      var field = document.querySelector(target.getAttribute('data-duration-target'));
      if (minutes && field) field.value = minutes;
    }
  });

  // --- blocks: live refresh --------------------------------------------------
  function removeBlock(id) {
    var old = document.getElementById('appt-' + id);
    if (old && old !== dragging) old.remove();
  }

  function placeBlock(html) {
    var holder = document.createElement('div');
    holder.innerHTML = html.trim();
    var block = holder.firstElementChild;
    if (!block) return;
    var old = document.getElementById(block.id);
    if (old === dragging && old) return;  // the drag's own answer comes separately
    // Answers may cross on the wire: never put an older state over a newer one.
    if (old && parseFloat(old.getAttribute('data-updated')) > parseFloat(block.getAttribute('data-updated'))) return;
    if (old) old.remove();
    var column = grid().querySelector('.cal-col[data-column="' + block.getAttribute('data-column') + '"]');
    if (!column) return;  // another doctor's week, or a doctor not shown
    column.insertBefore(block, column.querySelector('.cal-fill'));
    block.classList.add('is-fresh');
    setTimeout(function () { block.classList.remove('is-fresh'); }, 1700);
  }

  function refreshBlock(id) {
    if (!id || !grid()) return;
    var url = withQuery(root.getAttribute('data-block-url').replace(/\/0\/block$/, '/' + id + '/block'),
      rangeQuery());
    fetch(url, {headers: {'HX-Request': 'true'}, credentials: 'same-origin'}).then(function (response) {
      if (response.redirected) {  // signed out: the login page is no block
        say(text.signed_out, true);
        return null;
      }
      if (response.status === 204 || response.status === 404 || response.status === 403) {
        removeBlock(id);
        return null;
      }
      if (!response.ok) return null;
      if (response.headers.get('X-Calendar-Outside')) {
        reloadGrid();
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html) placeBlock(html);
    }).catch(function () { reloadGrid(); });
  }

  function concerns(appointment) {
    if (shownDays.indexOf(appointment.date) === -1) return false;
    return !weekDoctor || String(appointment.doctor_id) === weekDoctor;
  }

  // Doctors hidden from the day view (not working, nothing booked): a booking for one
  // of them brings their column back, which only a new grid can do.
  function hiddenDoctor(appointment) {
    var hidden = (grid().getAttribute('data-hidden') || '').split(',');
    return hidden.indexOf(String(appointment.doctor_id)) !== -1;
  }

  function onEvent(type, payload) {
    var appointment = payload && payload.appointment;
    if (!appointment) return;
    if (type === 'appointment_cancelled' || !concerns(appointment)) {
      removeBlock(appointment.id);
    } else if (hiddenDoctor(appointment)) {
      reloadGrid();
    } else {
      refreshBlock(appointment.id);
    }
  }

  function reloadGrid() {
    if (dragging) { reloadWanted = true; return; }
    var scroller = document.getElementById('cal-scroll');
    var top = scroller ? scroller.scrollTop : 0;
    var left = scroller ? scroller.scrollLeft : 0;
    window.htmx.ajax('GET', root.getAttribute('data-grid-url'), {target: '#cal-grid', swap: 'outerHTML'})
      .then(function () {
        var fresh = document.getElementById('cal-scroll');
        if (fresh) { fresh.scrollTop = top; fresh.scrollLeft = left; }
      });
  }

  // --- create by clicking free time, with a hover guide ----------------------
  var ghost = document.createElement('div');
  ghost.className = 'cal-ghost';
  ghost.setAttribute('aria-hidden', 'true');

  function pointedMinute(col, clientY) {
    var step = gridInt('step');
    var y = clientY - col.getBoundingClientRect().top;
    var minute = gridInt('origin') + Math.floor(y / rowHeight(col)) * ROW_MINUTES;
    return Math.floor(minute / step) * step;
  }

  document.addEventListener('mousemove', function (evt) {
    if (!canManage || dragging) return;
    var col = evt.target.closest && evt.target.closest('.cal-col');
    if (!col || evt.target.closest('.cal-appt')) { ghost.remove(); return; }
    var minute = pointedMinute(col, evt.clientY);
    var step = gridInt('step');
    ghost.style.gridRow = ((minute - gridInt('origin')) / ROW_MINUTES + 1) + ' / span ' + (step / ROW_MINUTES);
    ghost.textContent = clock(minute);
    if (ghost.parentNode !== col) col.appendChild(ghost);
  });
  document.addEventListener('mouseleave', function () { ghost.remove(); });

  document.addEventListener('click', function (evt) {
    if (!grid() || dragging) return;
    var block = evt.target.closest('.cal-appt');
    if (block) {
      if (block.getAttribute('data-just-dragged')) return;
      load(block.getAttribute('data-details-url'));
      return;
    }
    var col = evt.target.closest('.cal-col');
    if (!col || !canManage) return;
    load(withQuery(root.getAttribute('data-new-url'), {
      doctor: col.getAttribute('data-doctor'), day: col.getAttribute('data-day'),
      time: clock(pointedMinute(col, evt.clientY))
    }));
  });
  document.addEventListener('keydown', function (evt) {
    if (evt.target.id === 'patient_query' && (evt.key === 'Enter' || evt.key === 'ArrowDown')) {
      evt.preventDefault();  // Enter must not send the half-filled booking form
      var first = document.querySelector('#cal-patient-results .cal-pick');
      if (first && evt.key === 'Enter') first.click(); else if (first) first.focus();
      return;
    }
    var pickItem = evt.target.closest && evt.target.closest('.cal-pick');
    if (pickItem && (evt.key === 'ArrowDown' || evt.key === 'ArrowUp')) {
      evt.preventDefault();
      var item = pickItem.parentNode[evt.key === 'ArrowDown' ? 'nextElementSibling'
        : 'previousElementSibling'];
      if (item) item.querySelector('.cal-pick').focus();
      else if (evt.key === 'ArrowUp') document.getElementById('patient_query').focus();
      return;
    }
    var block = evt.target.closest && evt.target.closest('.cal-appt');
    if (block && (evt.key === 'Enter' || evt.key === ' ')) {
      evt.preventDefault();
      load(block.getAttribute('data-details-url'));
    }
  });

  // --- drag and drop ---------------------------------------------------------
  function beginDrag(block, evt) {
    var col = block.closest('.cal-col');
    var rect = block.getBoundingClientRect();
    dragging = block;
    ghost.remove();
    block.classList.add('is-dragging');
    return {
      block: block, fromCol: col, toCol: col,
      grabY: evt.clientY - rect.top,
      start: minutesOf(block.getAttribute('data-start')),
      minutes: parseInt(block.getAttribute('data-minutes'), 10),
      newStart: minutesOf(block.getAttribute('data-start')),
      newMinutes: parseInt(block.getAttribute('data-minutes'), 10),
      label: timeParts(block)
    };
  }

  // The time is "start<span class=cal-appt-end>–end</span>": the end hides on one-line blocks.
  function timeParts(block) {
    var time = block.querySelector('.cal-appt-time');
    return [time.firstChild.nodeValue, time.querySelector('.cal-appt-end').textContent];
  }
  function setTime(block, parts) {
    var time = block.querySelector('.cal-appt-time');
    time.firstChild.nodeValue = parts[0];
    time.querySelector('.cal-appt-end').textContent = parts[1];
  }
  function showTimes(state) {
    setTime(state.block, [clock(state.newStart), '–' + clock(state.newStart + state.newMinutes)]);
  }

  function snapBack(state) {
    var block = state.block;
    block.style.transform = '';
    block.style.height = '';
    block.style.alignSelf = '';
    setTime(block, state.label);
    if (block.parentNode !== state.fromCol) state.fromCol.appendChild(block);
  }

  function endDrag(state) {
    var block = state.block;
    block.classList.remove('is-dragging');
    block.setAttribute('data-just-dragged', '1');
    setTimeout(function () { block.removeAttribute('data-just-dragged'); }, 0);
    dragging = null;
    var changed = state.toCol !== state.fromCol || state.newStart !== state.start ||
      state.newMinutes !== state.minutes;
    if (!changed) {
      snapBack(state);
    } else {
      save(state, false);
    }
    if (reloadWanted) { reloadWanted = false; reloadGrid(); }
  }

  function save(state, override) {
    var block = state.block;
    var body = new FormData();
    body.append('doctor', state.toCol.getAttribute('data-doctor'));
    body.append('day', state.toCol.getAttribute('data-day'));
    body.append('time', clock(state.newStart));
    if (state.newMinutes !== state.minutes) body.append('minutes', String(state.newMinutes));
    if (override) body.append('override_hours', 'y');
    block.classList.add('is-saving');
    fetch(withQuery(block.getAttribute('data-move-url'), rangeQuery()), {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'X-CSRFToken': csrfToken(), 'HX-Request': 'true'}
    }).then(function (response) {
      return response.text().then(function (text) { return {response: response, text: text}; });
    }).then(function (answer) {
      block.classList.remove('is-saving');
      var response = answer.response;
      var trigger = response.headers.get('HX-Trigger');
      if (response.ok && (response.redirected || !trigger)) {  // signed out meanwhile
        snapBack(state);
        toast(text.signed_out, true);
        return;
      }
      if (response.ok) {
        var saved = JSON.parse(trigger)['calendar-saved'] || {};
        block.remove();
        if (response.headers.get('X-Calendar-Outside')) reloadGrid(); else placeBlock(answer.text);
        toast(saved.message, false, saved.warning);
        return;
      }
      var refusal = new DOMParser().parseFromString(answer.text, 'text/html')
        .querySelector('.cal-refusal');
      var message = refusal ? refusal.textContent : fill(text.move_failed, {code: response.status});
      if (refusal && refusal.getAttribute('data-code') === 'outside_working_hours' && !override &&
          window.confirm(message + '\n\n' + text.move_outside)) {
        save(state, true);
        return;
      }
      snapBack(state);
      toast(message, true);
    }).catch(function () {
      block.classList.remove('is-saving');
      snapBack(state);
      toast(text.move_offline, true);
    });
  }

  function columnAt(x, y) {
    var found = document.elementsFromPoint(x, y);
    for (var i = 0; i < found.length; i++) {
      if (found[i].classList && found[i].classList.contains('cal-col')) return found[i];
    }
    return null;
  }

  function scroller() { return document.getElementById('cal-scroll') || window; }

  // Touch screens scroll the grid with a swipe; a swipe must never move an appointment
  // there: moves go through the change dialog instead.
  var coarse = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;

  function setup() {
    if (!canManage || coarse || typeof window.interact !== 'function') return;
    var interact = window.interact;
    var state = null;
    var movable = interact('.cal-appt.is-movable');
    // A re-fetched grid is a new scroll box: drags must auto-scroll that one.
    document.addEventListener('htmx:afterSwap', function (evt) {
      if (evt.detail.target && evt.detail.target.id === 'cal-grid') {
        movable.draggable({autoScroll: {container: scroller(), enabled: true}});
      }
    });
    movable
      .draggable({
        autoScroll: {container: scroller(), enabled: true},
        allowFrom: '.cal-appt',
        ignoreFrom: '.cal-appt-resize',
        listeners: {
          start: function (evt) { state = beginDrag(evt.target, evt); },
          move: function (evt) {
            if (!state) return;
            var step = gridInt('step');
            var col = columnAt(evt.clientX, evt.clientY) || state.toCol;
            var rowH = rowHeight(col);
            var y = evt.clientY - col.getBoundingClientRect().top - state.grabY;
            var minute = gridInt('origin') + Math.round(y / rowH * ROW_MINUTES / step) * step;
            minute = Math.max(gridInt('origin'), Math.min(minute, gridInt('last') - state.minutes));
            state.toCol = col;
            state.newStart = minute;
            var dx = col.getBoundingClientRect().left - state.fromCol.getBoundingClientRect().left;
            var dy = (minute - state.start) / ROW_MINUTES * rowH;
            state.block.style.transform = 'translate(' + dx + 'px, ' + dy + 'px)';
            showTimes(state);
          },
          end: function () { if (state) { endDrag(state); state = null; } }
        }
      })
      .resizable({
        edges: {bottom: '.cal-appt-resize', top: false, left: false, right: false},
        listeners: {
          start: function (evt) { state = beginDrag(evt.target, evt); },
          move: function (evt) {
            if (!state) return;
            var step = gridInt('step');
            var rowH = rowHeight(state.fromCol);
            var minutes = Math.max(step, Math.round(evt.rect.height / rowH * ROW_MINUTES / step) * step);
            minutes = Math.min(minutes, gridInt('last') - state.start);
            state.newMinutes = minutes;
            state.block.style.alignSelf = 'start';
            state.block.style.height = (minutes / ROW_MINUTES * rowH - 2) + 'px';
            showTimes(state);
          },
          end: function () { if (state) { endDrag(state); state = null; } }
        }
      });
  }

  // --- the branch's room -----------------------------------------------------
  function connect() {
    setInterval(reloadGrid, RELOAD_EVERY_MS);
    if (typeof window.io !== 'function') {
      say(text.polling, true);
      return;
    }
    var joinedBefore = false;
    var socket = window.io({transports: ['websocket', 'polling']});
    socket.on('connect', function () {
      socket.emit('join_branch', {branch_id: parseInt(root.getAttribute('data-branch-id'), 10)},
        function (ack) {
          if (ack && ack.ok) {
            say(text.live);
            if (joinedBefore) reloadGrid();  // catch up with what changed while away
            joinedBefore = true;
          } else {
            say(fill(text.not_live, {reason: (ack && ack.detail) || text.branch_forbidden}), true);
          }
        });
    });
    socket.on('disconnect', function () { say(text.reconnecting, true); });
    EVENTS.forEach(function (name) {
      socket.on(name, function (payload) { onEvent(name, payload); });
    });
  }

  // Open on the row the server chose: now during the working day, else its start; in the
  // week view with today in it, today's column in view.
  function scrollToStart() {
    var scroller = document.getElementById('cal-scroll');
    if (!scroller) return;
    var today = scroller.querySelector('.cal-column.is-today');
    if (today && grid().getAttribute('data-view') === 'week') {
      var axis = scroller.querySelector('.cal-axis-column');
      scroller.scrollLeft = Math.max(0, today.offsetLeft - (axis ? axis.offsetWidth : 0));
    }
    var col = scroller.querySelector('.cal-col');
    if (!col) return;
    var row = gridInt('scroll-row') || 1;
    var lead = 30 / ROW_MINUTES;  // half an hour before it stays in sight
    scroller.scrollTop = Math.max(0, (row - 1 - lead) * rowHeight(col));
  }

  setup();
  connect();
  scrollToStart();
})();
