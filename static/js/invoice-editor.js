/*
 * The invoice editor (templates/billing/editor.html).
 * Enter in the service search searches (asks htmx at once) instead of submitting the
 * form, which would save the draft. Everything else is htmx attributes on the page.
 * No text of its own.
 */
(function () {
  'use strict';

  document.addEventListener('keydown', function (evt) {
    var search = evt.target.closest && evt.target.closest('[data-invoice-search]');
    if (!search || evt.key !== 'Enter') return;
    evt.preventDefault();
    if (window.htmx) window.htmx.trigger(search, 'search');
  });
})();
