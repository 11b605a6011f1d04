/**
 * The one script, served as /assets/app.js (the CSP forbids inline scripts): it reveals the
 * copy buttons and copies the value they point at. Pages work without it.
 */
export const APP_SCRIPT = `
document.querySelectorAll('button[data-copy]').forEach(function (button) {
  var target = document.getElementById(button.getAttribute('data-copy'));
  if (!target || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(target.textContent || '').then(function () {
      button.textContent = 'Copied';
      setTimeout(function () { button.textContent = 'Copy'; }, 2000);
    });
  });
});
`;
