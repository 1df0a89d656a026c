"""The chat's own CSS and JavaScript (static: no document text ever goes in here).

The script only reacts to clicks on citation markers: it opens, scrolls to and flashes the
source the marker names, waiting briefly if the panel is still being re-rendered.
"""

CSS = """
.qa-reply.qa-notfound { border-left: 4px solid #b45309; background: #fef3c7; color: #451a03;
  padding: 6px 10px; border-radius: 6px; }
.qa-reply.qa-error { border-left: 4px solid #b91c1c; background: #fee2e2; color: #450a0a;
  padding: 6px 10px; border-radius: 6px; }
.qa-reply.qa-notice { color: inherit; }
.qa-confidence { opacity: 0.7; font-size: 0.85em; }
#qa-chat a.qa-cite, a.qa-cite { color: #c2410c; font-weight: 700; text-decoration: none;
  cursor: pointer; padding: 0 1px; }
#qa-chat a.qa-cite:hover { text-decoration: underline; }
#qa-sources-panel { max-height: 640px; overflow-y: auto; }
@media (max-width: 640px) { #qa-sources-panel { max-height: none; } }
.qa-sources { display: flex; flex-direction: column; gap: 8px; }
.qa-sources-head { font-weight: 600; margin: 0; overflow-wrap: anywhere; }
.qa-source { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px;
  padding: 6px 10px; scroll-margin-top: 12px; transition: box-shadow 0.3s; }
.qa-source.qa-cited { border-color: #d97706; }
.qa-source.qa-flash { box-shadow: 0 0 0 3px #f59e0b; }
.qa-source summary { cursor: pointer; overflow-wrap: anywhere; }
.qa-num { font-weight: 700; }
.qa-title { font-weight: 600; }
.qa-path { color: #666; font-size: 0.9em; }
.qa-code { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap;
  background: #f3f4f6; color: #111827; font-size: 0.92em; }
.qa-reply .qa-code { display: inline-block; padding: 4px 6px; border-radius: 4px; }
.qa-score, .qa-details { opacity: 0.75; font-size: 0.85em; }
.qa-passage { white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0 0; }
.qa-passage mark { background: #fde68a; color: #1c1917; padding: 0 2px; border-radius: 2px; }
.qa-passage mark .qa-phrase { background: #f59e0b; color: #1c1917; font-weight: 700; }
.qa-short { font-size: 1.1em; margin-bottom: 0.3em; }
.qa-empty { opacity: 0.7; }
#qa-examples button { white-space: normal; }
.qa-upload-report ul { list-style: none; margin: 4px 0 0; padding: 0; }
.qa-upload-report li { border-left: 4px solid #9ca3af; padding: 2px 8px; margin: 2px 0;
  overflow-wrap: anywhere; }
.qa-upload-report li.qa-report-indexed { border-color: #15803d; }
.qa-upload-report li.qa-report-skipped { border-color: #b45309; }
.qa-upload-report li.qa-report-failed { border-color: #b91c1c; }
.qa-report-name { font-weight: 600; }
"""

JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a.qa-cite') : null;
    if (!link) return;
    event.preventDefault();
    const id = (link.getAttribute('href') || '').replace(/^#/, '');
    let tries = 0;
    const show = () => {
      const target = document.getElementById(id);
      if (target) {
        target.open = true;
        target.scrollIntoView({block: 'nearest', behavior: 'smooth'});
        target.classList.add('qa-flash');
        setTimeout(() => target.classList.remove('qa-flash'), 1500);
      } else if (tries++ < 30) {
        setTimeout(show, 100);
      }
    };
    show();
  }, true);
}
"""
