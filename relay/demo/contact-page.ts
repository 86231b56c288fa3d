/**
 * A PinPoint-like (Mautic 5.1 layout) contact page and contacts list, so a newcomer can try the
 * extension without a CRM. It follows the real DOM the content script reads and mimics Mautic's
 * in-page navigation (the .content-body swapped inside #app-content, then pushState).
 * Every value is escaped: this page is built from fixed demo data, but the habit is the point.
 */
import { DEMO_CONTACTS, type DemoContact } from './demo-contacts.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const BASE = '/demo';

export function contactBody(c: DemoContact): string {
  const e = escapeHtml;
  const row = (label: string, value: string) => `<tr><td width="20%"><span class="fw-b textTitle">${e(label)}</span></td><td>${value}</td></tr>`;
  return `<div class="content-body">
  <div class="page-header">
    <div class="box-layout">
      <div class="col-xs-6 va-m"><h1 class="pull-left page-header-title"><span class="span-block">${e(c.name)}</span><span class="span-block small">${e(c.company)}</span></h1></div>
      <div class="col-xs-6 va-m"><div id="toolbar" class="toolbar text-right"><div class="std-toolbar btn-group">
        <a class="btn btn-default" href="${BASE}/s/contacts/edit/${c.id}">Edit</a>
        <a class="btn btn-default" id="sendEmailButton" href="${BASE}/s/contacts/email/${c.id}">Send Email</a>
        <a class="btn btn-default" href="${BASE}/s/contacts" data-toggle="ajax">Back to contacts</a>
      </div></div></div>
    </div>
  </div>
  <div class="box-layout">
    <div class="col-md-9 height-auto">
      <div class="pa-md">
        <a class="btn btn-link" href="#lead-details" onclick="var d=document.getElementById('lead-details');d.style.display=d.style.display==='none'?'block':'none';return false;">Details</a>
        <div id="lead-details" style="display:none">
          <ul class="nav nav-tabs"><li class="active"><a href="#core" data-toggle="tab">Core</a></li><li><a href="#professional" data-toggle="tab">Professional</a></li></ul>
          <div class="tab-content">
            <div class="tab-pane active" id="core"><table class="table table-hover"><tbody>
              ${row('ID', String(c.id))}
              ${row('First Name', e(c.name.split(' ')[0] ?? ''))}
              ${row('Last Name', e(c.name.split(' ').slice(1).join(' ')))}
              ${row('Email', e(c.email))}
              ${c.mobile ? row('Mobile', e(c.mobile)) : ''}
              ${c.phone ? row('Phone', e(c.phone)) : ''}
              ${row('City', e(c.city))}
              ${row('Country', `<img class="mr-sm" alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><span class="mt-1">${e(c.country)}</span>`)}
              ${row('WhatsApp Opt-in', e(c.optIn))}
            </tbody></table></div>
            <div class="tab-pane" id="professional"><table class="table table-hover"><tbody>${row('Company', e(c.company))}</tbody></table></div>
          </div>
        </div>
      </div>
      <div class="pa-md">
        <ul class="nav nav-tabs"><li class="active"><a href="#timeline-container" data-toggle="tab">Engagements</a></li><li><a href="#notes-container" data-toggle="tab">Notes</a></li></ul>
        <div class="tab-content">
          <div class="tab-pane fade in active bdr-w-0" id="timeline-container">
            <form id="timeline-filters" method="post" action="${BASE}/s/contacts/timeline/${c.id}"><input type="hidden" name="leadId" id="leadId" value="${c.id}"><input type="text" name="search" placeholder="Filter…" aria-label="Filter engagements"></form>
            <div id="timeline-table"><p class="text-muted">Page hit — Pricing · 2 days ago</p><p class="text-muted">Email read — Spring newsletter · 5 days ago</p></div>
          </div>
        </div>
      </div>
    </div>
    <div class="col-md-3 bdr-l height-auto">
      <div class="panel bg-transparent shd-none bdr-rds-0 bdr-w-0 mb-0">
        <div class="lead-avatar-panel"><div class="avatar">${e(c.name.split(' ').map((p) => p[0]).join(''))}</div></div>
        <div class="points-panel text-center"><h1>25</h1><p>Points</p></div>
      </div>
      <div class="panel shd-none bdr-rds-0 bdr-w-0 mt-sm mb-0">
        <div class="panel-heading"><div class="panel-title">Contact</div></div>
        <div class="panel-body pt-sm">
          <h6 class="fw-sb">Contact owner</h6><p class="text-muted">${e(c.owner)}</p>
          <h6 class="fw-sb">Address</h6><address class="text-muted">${e(c.city)}, ${e(c.country)}</address>
          <h6 class="fw-sb">Email</h6><p class="text-muted">${e(c.email)}</p>
          ${c.phone ? `<h6 class="fw-sb">Phone - home</h6><p class="text-muted">${e(c.phone)}</p>` : ''}
          ${c.mobile ? `<h6 class="fw-sb">Phone - mobile</h6><p class="text-muted mb-0">${e(c.mobile)}</p>` : ''}
        </div>
      </div>
    </div>
  </div>
</div>`;
}

export function listBody(): string {
  const rows = DEMO_CONTACTS.map(
    (c) => `<tr><td><a href="${BASE}/s/contacts/view/${c.id}" data-toggle="ajax">${escapeHtml(c.name)}</a></td><td>${escapeHtml(c.email)}</td><td>${escapeHtml(c.country)}</td></tr>`,
  ).join('');
  return `<div class="content-body">
  <div class="page-header"><div class="box-layout"><div class="col-xs-6 va-m"><h1 class="pull-left page-header-title">Contacts</h1></div></div></div>
  <div class="page-list"><table class="table table-hover" id="leadTable"><thead><tr><th>Name</th><th>Email</th><th>Country</th></tr></thead><tbody>${rows}</tbody></table></div>
</div>`;
}

const STYLE = `
body{margin:0;font:14px/1.45 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#333;background:#f4f5f7}
#app-wrapper{display:flex;min-height:100vh} .app-sidebar{width:200px;background:#2a3f54;color:#dfe6ee;padding:16px}
.app-sidebar a{color:#dfe6ee;display:block;padding:6px 0;text-decoration:none} #app-main{flex:1;display:flex;flex-direction:column}
#app-header{height:48px;background:#fff;border-bottom:1px solid #e3e6ea;display:flex;align-items:center;padding:0 16px;gap:12px}
.sim-flag{background:#fff3cd;color:#7a5b00;border:1px solid #f0d27a;border-radius:4px;padding:2px 8px;font-size:12px}
.content-body{padding:0} .page-header{background:#fff;border-bottom:1px solid #e3e6ea;padding:12px 16px}
.page-header .box-layout{display:flex;justify-content:space-between;align-items:center} h1{margin:0;font-size:20px}
.span-block{display:block}.span-block.small{font-size:13px;color:#777} .btn{display:inline-block;padding:5px 10px;border:1px solid #ccd;border-radius:3px;background:#fff;color:#333;text-decoration:none;margin-left:4px}
.content-body>.box-layout{display:table;width:100%;table-layout:fixed} .col-md-9{display:table-cell;width:70%;vertical-align:top;background:#fff}
.col-md-3{display:table-cell;width:30%;vertical-align:top;background:#fff;border-left:1px solid #e3e6ea;padding:12px}
.pa-md{padding:12px 16px} .nav-tabs{list-style:none;padding:0;margin:0 0 8px;display:flex;gap:12px;border-bottom:1px solid #e3e6ea}
.nav-tabs a{text-decoration:none;color:#4e5d9d;display:block;padding:6px 0} .text-muted{color:#777} .fw-sb{font-weight:600;margin:10px 0 2px;font-size:12px}
.lead-avatar-panel .avatar{width:64px;height:64px;border-radius:50%;background:#4e5d9d;color:#fff;display:flex;align-items:center;justify-content:center;font-size:22px;margin:0 auto}
.points-panel h1{margin:8px 0 0}.points-panel p{margin:0} table{width:100%;border-collapse:collapse} td,th{padding:6px;border-bottom:1px solid #eee;text-align:left}
address{font-style:normal} p{margin:0 0 4px}
#demo-phone{position:fixed;left:16px;bottom:16px;width:260px;background:#fff;border:1px solid #d5dbe1;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.12);padding:10px;font-size:13px}
#demo-phone textarea{width:100%;box-sizing:border-box;min-height:48px} #demo-phone button{margin-top:6px}
`;

/** Mimics Mautic's ajax navigation: fetch JSON {newContent}, replace #app-content's children, pushState. */
const NAV_SCRIPT = `
document.addEventListener('click', function (ev) {
  var a = ev.target.closest && ev.target.closest('a[data-toggle="ajax"]');
  if (!a || ev.ctrlKey || ev.metaKey) return;
  ev.preventDefault();
  fetch(a.getAttribute('href'), { headers: { 'X-Requested-With': 'XMLHttpRequest' } }).then(function (r) { return r.json(); }).then(function (j) {
    var app = document.getElementById('app-content');
    while (app.firstChild) app.removeChild(app.firstChild);
    var tpl = document.createElement('template'); tpl.innerHTML = j.newContent; app.appendChild(tpl.content);
    history.pushState(null, 'Mautic', j.route);
  });
});
window.addEventListener('popstate', function () { location.reload(); });
var form = document.getElementById('demo-reply');
if (form) form.addEventListener('submit', function (ev) {
  ev.preventDefault();
  var out = document.getElementById('demo-reply-result');
  var m = location.pathname.match(/\\/view\\/(\\d+)/);
  out.textContent = 'Sending…';
  fetch('/demo/reply', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId: m ? Number(m[1]) : 0, body: form.body.value }) })
    .then(function (r) { return r.json().then(function (j) { out.textContent = r.ok ? 'Delivered to the relay as ' + j.phone + '.' : (j.error && j.error.message) || 'Failed'; }); })
    .catch(function () { out.textContent = 'The relay is not reachable.'; });
});
`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | PinPoint demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>var mauticBasePath = '${BASE}'; var mauticContent = 'lead';</script>
<style>${STYLE}</style></head>
<body><section id="app-wrapper">
<aside class="app-sidebar sidebar-left"><strong>PinPoint (demo)</strong><a href="${BASE}/s/contacts" data-toggle="ajax">Contacts</a><a href="${BASE}/s/contacts/view/42" data-toggle="ajax">Ana Souza</a><a href="${BASE}/s/contacts/view/43" data-toggle="ajax">Rahul Mehta</a></aside>
<div id="app-main"><header id="app-header"><span>Aritic PinPoint — demo CRM served by the relay</span><span class="sim-flag">Simulated WhatsApp: nothing leaves this machine</span></header>
<section id="app-content">${body}</section></div></section>
<form id="demo-phone-form" hidden></form>
<div id="demo-phone" role="region" aria-label="Simulated contact's phone"><strong>The contact's phone (simulated)</strong>
<form id="demo-reply"><label for="demo-reply-body">Reply as the contact on this page</label><textarea id="demo-reply-body" name="body" placeholder="Try: Hi! or STOP"></textarea><button type="submit">Send as contact</button></form>
<div id="demo-reply-result" aria-live="polite"></div></div>
<script>${NAV_SCRIPT}</script></body></html>`;
}
