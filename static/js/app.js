/*
 * clinicapp — small page behaviours, loaded with `defer` on every page.
 * CSP forbids inline scripts/handlers, so everything is wired up here via
 * data attributes and event delegation. Plain ES2017, no build step.
 */
(function () {
  'use strict';

  var FLASH_AUTOHIDE_MS = 6000;

  // The words this script shows, in the page's language (base.html, #app-i18n).
  var i18nNode = document.getElementById('app-i18n');
  var TEXT = i18nNode ? JSON.parse(i18nNode.textContent) : {};

  // --- (a) CSRF token for htmx requests ----------------------------------
  // The token lives in <meta name="csrf-token" content="...">; read it on
  // every request so a refreshed meta tag is picked up too.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : null;
  }

  document.addEventListener('htmx:configRequest', function (evt) {
    var token = csrfToken();
    if (token) {
      evt.detail.headers['X-CSRFToken'] = token;
    }
  });

  // --- (b) Flash messages --------------------------------------------------
  function dismissFlash(flash) {
    if (!flash || flash.classList.contains('is-hiding')) return;
    flash.classList.add('is-hiding');            // CSS fades opacity out
    var removed = false;
    function remove() {
      if (removed) return;
      removed = true;
      flash.remove();
    }
    flash.addEventListener('transitionend', remove, { once: true });
    setTimeout(remove, 400);                     // fallback: no transition
  }

  // Close buttons (delegated, so flashes swapped in by htmx work too).
  document.addEventListener('click', function (evt) {
    var btn = evt.target.closest('.flash-close');
    if (btn) {
      evt.preventDefault();
      dismissFlash(btn.closest('.flash'));
    }
  });

  // --- (c) data-confirm -----------------------------------------------------
  // Capture phase, so a cancelled confirm also stops htmx handlers and
  // normal navigation / submission.
  function confirmed(el) {
    var text = el.getAttribute('data-confirm');
    return !text || window.confirm(text);
  }

  function cancel(evt) {
    evt.preventDefault();
    evt.stopImmediatePropagation();
  }

  // Clicks on links/buttons with data-confirm (forms are handled on submit).
  document.addEventListener('click', function (evt) {
    var el = evt.target.closest('[data-confirm]');
    if (!el || el.tagName === 'FORM') return;
    if (!confirmed(el)) cancel(evt);
  }, true);

  // Forms with data-confirm.
  document.addEventListener('submit', function (evt) {
    var form = evt.target;
    if (form.hasAttribute && form.hasAttribute('data-confirm') && !confirmed(form)) {
      cancel(evt);
    }
  }, true);

  // --- (e) data-copy="#selector" -----------------------------------------
  // navigator.clipboard needs a secure context (HTTPS/localhost); on plain
  // HTTP inside the clinic network fall back to execCommand('copy').
  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    ta.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  // Briefly show the result on the button, then restore its label.
  function showCopied(btn, label) {
    if (!btn.hasAttribute('data-copy-label')) {
      btn.setAttribute('data-copy-label', btn.textContent);
    }
    btn.textContent = label;
    btn.classList.add('is-copied');
    clearTimeout(btn._copyTimer);
    btn._copyTimer = setTimeout(function () {
      btn.textContent = btn.getAttribute('data-copy-label');
      btn.classList.remove('is-copied');
    }, 2000);
  }

  document.addEventListener('click', function (evt) {
    var btn = evt.target.closest('[data-copy]');
    if (!btn) return;
    evt.preventDefault();
    var target = document.querySelector(btn.getAttribute('data-copy'));
    if (!target) return;
    var isField = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    var text = isField ? target.value : (target.innerText || target.textContent || '');
    copyText(String(text).trim()).then(
      function () { showCopied(btn, btn.getAttribute('data-copied-text') || TEXT.copied); },
      function () { showCopied(btn, TEXT.copy_failed); }
    );
  });

  // --- (f) data-autosubmit ---------------------------------------------
  // Filters (a branch switcher, a date) that apply themselves when changed.
  document.addEventListener('change', function (evt) {
    var el = evt.target;
    if (el.matches && el.matches('[data-autosubmit]') && el.form) el.form.submit();
  });

  // --- (g) Menus: <details data-dismissible> ------------------------------
  // The menus open without JavaScript (a <details>); here they also tell assistive
  // technology whether they are open (aria-expanded on the summary), close with
  // Escape (focus back on the summary), on a click outside and after a link is chosen.
  function menuSummary(details) {
    return details.querySelector(':scope > summary');
  }

  function syncExpanded(details) {
    var summary = menuSummary(details);
    if (summary) summary.setAttribute('aria-expanded', details.open ? 'true' : 'false');
  }

  function openMenus() {
    return document.querySelectorAll('details[data-dismissible][open]');
  }

  document.querySelectorAll('details[data-dismissible]').forEach(syncExpanded);

  // `toggle` does not bubble: listen in the capture phase.
  document.addEventListener('toggle', function (evt) {
    var details = evt.target;
    if (!details.matches || !details.matches('details[data-dismissible]')) return;
    syncExpanded(details);
    if (!details.open) return;
    openMenus().forEach(function (other) {    // one menu open at a time
      if (other !== details) other.open = false;
    });
  }, true);

  document.addEventListener('keydown', function (evt) {
    if (evt.key !== 'Escape') return;
    openMenus().forEach(function (details) {
      var hadFocus = details.contains(document.activeElement);
      details.open = false;
      if (hadFocus && menuSummary(details)) menuSummary(details).focus();
    });
  });

  document.addEventListener('click', function (evt) {
    openMenus().forEach(function (details) {
      var inside = details.contains(evt.target);
      if (!inside || (evt.target.closest('a[href]') && !evt.target.closest('summary'))) {
        details.open = false;
      }
    });
  });

  // --- Per-content initialisation --------------------------------------
  // Runs for the page on load and for content swapped in by htmx.
  function init(root) {
    // (b) success flashes hide themselves after 6 s.
    root.querySelectorAll('.flash-success:not([data-autohide-set])').forEach(function (flash) {
      flash.setAttribute('data-autohide-set', '');
      setTimeout(function () { dismissFlash(flash); }, FLASH_AUTOHIDE_MS);
    });

    // (d) data-autofocus: focus the first such element.
    var focusEl = root.querySelector('[data-autofocus]');
    if (root.matches && root.matches('[data-autofocus]')) focusEl = root;
    if (focusEl && typeof focusEl.focus === 'function') {
      focusEl.focus();
    }
  }

  // The script is deferred, so the DOM is already parsed here.
  init(document);

  // htmx fires htmx:load for newly swapped-in content (and once for <body>
  // at start-up — skip that one, the page was initialised above).
  document.addEventListener('htmx:load', function (evt) {
    if (evt.target !== document.body) init(evt.target);
  });
})();
