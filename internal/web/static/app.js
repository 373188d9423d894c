/* 亲清 — behaviour every page shares, kept out of the pages because the
 * content security policy allows no inline script or event handler:
 *   <form data-confirm="问题？">  asks before it is sent;
 *   <input data-select-all>       selects its whole text when clicked. */
(function () {
  'use strict';
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener('click', function (ev) {
    var el = ev.target;
    if (el && el.hasAttribute && el.hasAttribute('data-select-all') && el.select) {
      el.select();
    }
  });
})();
