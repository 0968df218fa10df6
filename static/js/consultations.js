// The consultations inbox: its filters fold behind «Фильтры» on a phone only. On a wider
// screen the fold is opened and its summary hidden (.is-wide); without JavaScript the
// summary shows at every width and the fold works as it is.
(function () {
  'use strict';
  var fold = document.querySelector('details[data-fold-narrow]');
  if (!fold) return;
  var wide = window.matchMedia('(min-width: 641px)');
  function apply() {
    if (wide.matches) fold.open = true;
    fold.classList.toggle('is-wide', wide.matches);
  }
  apply();
  if (wide.addEventListener) wide.addEventListener('change', apply);
})();
