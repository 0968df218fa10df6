/*
 * The cash desk (/cash-desk/): the change due for cash, shown while the cashier types
 * (the server checks it again and records what was handed over), the fields of the
 * chosen payment method, and refusals (400/409) swapped into the open invoice so the
 * form shows its messages. Words come from #cash-desk-i18n.
 */
(function () {
  'use strict';

  function words() {
    var el = document.getElementById('cash-desk-i18n');
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  var T = words();

  // «1 500,50», «1,500.50», «1500.5» → 1500.5; NaN when it is not an amount.
  function parse(text) {
    var s = String(text || '').replace(/[\s\u00a0\u202f\u0027\u2019]/g, '');
    if (!s) return NaN;
    var comma = s.lastIndexOf(','), dot = s.lastIndexOf('.');
    if (comma >= 0 && dot >= 0) {
      var point = comma > dot ? ',' : '.';
      s = s.split(point === ',' ? '.' : ',').join('');
      s = s.replace(point, '.');
    } else if (comma >= 0) {
      s = s.replace(',', '.');
    }
    return /^[+-]?\d*\.?\d+$/.test(s) ? Number(s) : NaN;
  }

  function format(value) {
    var lang = document.documentElement.lang || undefined;
    return new Intl.NumberFormat(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2})
      .format(value);
  }

  function chosen(form) {
    return form.querySelector('input[name="method"]:checked');
  }

  function update(form) {
    var method = chosen(form);
    var cash = !!(method && method.hasAttribute('data-tendered'));
    form.querySelectorAll('[data-cash-only]').forEach(function (el) { el.hidden = !cash; });
    form.querySelectorAll('[data-method-fields]').forEach(function (el) {
      el.hidden = !method || el.getAttribute('data-method-fields') !== method.value;
    });
    var out = form.querySelector('[data-cash-change]');
    if (!out) return;
    var amount = parse(form.querySelector('[data-cash-amount]').value);
    var tendered = parse(form.querySelector('[data-cash-tendered]').value);
    if (!cash || isNaN(amount) || isNaN(tendered)) {
      out.textContent = '';
      out.className = 'cash-change';
      return;
    }
    // Kopecks as integers: no binary-float remainders in what the cashier reads.
    var change = Math.round(tendered * 100) - Math.round(amount * 100);
    var text = change >= 0 ? T.change : T.short;
    var shown = format(Math.abs(change) / 100) + ' ' + (form.getAttribute('data-currency') || '');
    out.textContent = (text || '{amount}').replace('{amount}', shown.trim());
    out.className = 'cash-change ' + (change >= 0 ? 'cash-change-ok' : 'cash-change-short');
  }

  function init(root) {
    (root || document).querySelectorAll('form[data-cash-form]').forEach(update);
  }

  document.addEventListener('input', function (evt) {
    var form = evt.target.closest && evt.target.closest('form[data-cash-form]');
    if (form) update(form);
  });
  document.addEventListener('change', function (evt) {
    var form = evt.target.closest && evt.target.closest('form[data-cash-form]');
    if (form) update(form);
  });

  // A refusal answers with the invoice again (its messages under the fields): show it.
  document.addEventListener('htmx:beforeSwap', function (evt) {
    var xhr = evt.detail.xhr;
    if ((xhr.status === 400 || xhr.status === 409) &&
        (xhr.responseText || '').indexOf('id="desk-invoice"') !== -1) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener('htmx:responseError', function (evt) {
    var panel = document.getElementById('desk-invoice');
    if (!panel || evt.detail.shouldSwap) return;
    var note = document.createElement('div');
    note.className = 'flash flash-error';
    note.setAttribute('role', 'alert');
    note.textContent = (T.failed || '{code}').replace('{code}', evt.detail.xhr.status);
    panel.prepend(note);
  });
  document.addEventListener('htmx:afterSettle', function (evt) { init(evt.detail.elt); });
  document.addEventListener('DOMContentLoaded', function () { init(document); });
})();
