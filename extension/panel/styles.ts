/**
 * The panel's CSS, injected as text into the shadow root (the mount resets :host, so nothing from
 * the CRM page leaks in and nothing of ours leaks out). A compact card readable at 13–14 px.
 */
export const PANEL_CSS = `
.wa-root{--green:#008069;--green-dark:#005c4b;--green-soft:#e7f6ef;--out:#d9fdd3;--in:#fff;--text:#111b21;--muted:#54656f;
--line:#d1d7db;--warn:#8a5a00;--warn-bg:#fff4d6;--err:#b3261e;--err-bg:#fdecea;--blue:#027eb5;--focus:#1a73e8;
font:13.5px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);}
*{box-sizing:border-box}
.card{width:clamp(280px,100%,340px);background:#fff;border:1px solid var(--line);border-top:4px solid var(--green);border-radius:10px;
padding:10px 12px;display:flex;flex-direction:column;gap:8px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2,h3,p{margin:0}
h2{font-size:15px;font-weight:600;overflow-wrap:anywhere}
h3{font-size:13.5px;font-weight:600}
.small{font-size:12.5px}.muted{color:var(--muted)}.strong{font-weight:600}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:6px}.between{justify-content:space-between}
.hdr-title{display:flex;align-items:center;gap:6px}.logo{color:#25d366;font-size:12px}
.phone{font-variant-numeric:tabular-nums}
.nophone{background:var(--warn-bg);color:var(--warn);border-radius:6px;padding:6px 8px;display:grid;gap:4px}
select,input,textarea{font:inherit;color:inherit;width:100%;border:1px solid var(--line);border-radius:6px;padding:5px 7px;background:#fff}
textarea{resize:vertical;min-height:2.6em}
input[aria-invalid=true]{border-color:var(--err)}
.field{display:grid;gap:3px}
.btn{font:inherit;font-size:13px;border:1px solid var(--green);color:var(--green-dark);background:#fff;border-radius:16px;padding:4px 12px;cursor:pointer}
.btn.primary{background:var(--green);color:#fff}
.btn.ghost{border-color:var(--line);color:var(--text)}
.btn:hover:not(:disabled){filter:brightness(.95)}
.btn:disabled{opacity:.55;cursor:not-allowed}
.small-btn{padding:2px 10px;font-size:12.5px}
:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
.pill{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12.5px;font-weight:600}
.pill-unknown{background:#eef0f1;color:var(--muted)}.pill-opted_in{background:var(--green-soft);color:var(--green-dark)}
.pill-opted_out{background:var(--err-bg);color:var(--err)}
.evidence{overflow-wrap:anywhere}
.warn{color:var(--warn)}
.reason{font-size:12.5px;color:var(--muted)}
.problem{font-size:12px;color:var(--err)}
.consent,.templates,.composer{display:grid;gap:6px}
.consent-form{display:grid;gap:6px}
.session{display:flex;justify-content:space-between;gap:6px;border-radius:6px;padding:4px 8px;font-size:12.5px}
.session.open{background:var(--green-soft);color:var(--green-dark)}.session.closed{background:#eef0f1;color:var(--muted)}
.countdown{font-variant-numeric:tabular-nums;font-weight:600}
.conv{max-height:280px;overflow-y:auto;background:#efeae2;border-radius:8px;padding:6px}
.conv ol{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:4px}
.msg{max-width:85%;padding:4px 8px;border-radius:8px;box-shadow:0 1px .5px rgba(0,0,0,.13);overflow-wrap:anywhere}
.msg.in{align-self:flex-start;background:var(--in)}.msg.out{align-self:flex-end;background:var(--out)}
.msg .meta{display:flex;justify-content:flex-end;gap:4px;font-size:11.5px;color:var(--muted)}
.tick-read{color:var(--blue)}.tick-failed{color:var(--err)}
.failure{display:grid;gap:4px;color:var(--err);border-top:1px solid rgba(179,38,30,.2);margin-top:4px;padding-top:4px}
.empty{padding:6px 0}
.link{font:inherit;background:none;border:0;padding:0;color:var(--green-dark);text-decoration:underline;cursor:pointer}
.details{text-align:right}.steps{list-style:none;margin:2px 0 0;padding:0;text-align:left;color:var(--muted)}
.tpl-list{list-style:none;margin:0;padding:0;max-height:140px;overflow-y:auto;border:1px solid var(--line);border-radius:6px}
.tpl{font:inherit;width:100%;text-align:left;background:none;border:0;border-bottom:1px solid var(--line);padding:5px 8px;cursor:pointer;color:inherit}
.tpl[aria-pressed=true]{background:var(--green-soft)}
.tpl-name{font-weight:600}
.tpl-form{display:grid;gap:6px}
.preview{background:var(--out);border-radius:8px;padding:6px 8px;white-space:normal;overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.over{color:var(--err);font-weight:600}
.composer-blocked{display:grid;gap:6px;background:#eef0f1;border-radius:6px;padding:6px 8px}
.notices{display:grid;gap:6px}
.banner{border-radius:6px;padding:6px 8px;display:grid;gap:4px}
.banner.info{background:#e8f1fb;color:#0b4a80}.banner.warn{background:var(--warn-bg);color:var(--warn)}
.banner.error{background:var(--err-bg);color:var(--err)}
a{color:var(--green-dark)}
@media (prefers-reduced-motion:no-preference){.btn{transition:filter .1s}}
`;
