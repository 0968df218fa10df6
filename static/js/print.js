/*
 * The printable schedule (/calendar/print): the button opens the browser's print dialog
 * (CSP allows no inline handlers, so it is wired here).
 */
(function () {
  'use strict';
  document.addEventListener('click', function (evt) {
    if (evt.target.closest('[data-print]')) {
      evt.preventDefault();
      window.print();
    }
  });
})();
