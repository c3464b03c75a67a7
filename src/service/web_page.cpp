// The operator's page at "/": one self-contained document (no CDN, nothing fetched but the
// service's own API). It polls /v1/snapshot and /v1/outcomes once a second.
#include "dita/service/server.hpp"

namespace dita::service {

namespace {

constexpr const char* page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dita run</title>
<style>
:root{--bg:#0f1419;--panel:#171d24;--line:#2a333d;--text:#d9e1e8;--dim:#8a97a3;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--accent:#58a6ff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text)}
header{display:flex;align-items:center;gap:16px;padding:12px 20px;border-bottom:1px solid var(--line);background:var(--panel)}
h1{font-size:18px;margin:0;letter-spacing:.5px}h2{font-size:13px;text-transform:uppercase;letter-spacing:1px;color:var(--dim);margin:0 0 8px}
.pill{padding:2px 10px;border-radius:999px;font-weight:600;font-size:12px;border:1px solid var(--line)}
.mode-NORMAL{background:#12361f;color:var(--ok)}.mode-REDUCE_ONLY{background:#3a2c0b;color:var(--warn)}.mode-HALTED{background:#3d1216;color:var(--bad)}.mode-DEBUG{background:#10263f;color:var(--accent)}
main{display:grid;grid-template-columns:2fr 1fr;gap:16px;padding:16px 20px}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);white-space:nowrap}th{color:var(--dim);font-weight:500;font-size:12px}
td.num{text-align:right}.pos{color:var(--ok)}.neg{color:var(--bad)}.dim{color:var(--dim)}
.stage{font-family:ui-monospace,monospace;font-size:12px}
.controls{display:flex;gap:8px;margin-left:auto}
button{font:inherit;font-weight:600;padding:6px 14px;border-radius:6px;border:1px solid var(--line);background:#222b35;color:var(--text);cursor:pointer}
button:hover{filter:brightness(1.25)}#btn-halt{border-color:var(--bad);color:var(--bad)}#btn-reduce{border-color:var(--warn);color:var(--warn)}
#btn-normal{border-color:var(--ok);color:var(--ok)}#btn-flatten{background:var(--bad);color:#fff;border-color:var(--bad)}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 16px;margin:0}dt{color:var(--dim)}dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
#outcomes td{font-size:12px}#outcomes td.details{white-space:normal;color:var(--dim)}
.code-OK{color:var(--ok)}.code-bad{color:var(--warn)}#status{font-size:12px;color:var(--dim)}
.wide{grid-column:1 / -1}
</style></head><body>
<header><h1>dita run</h1><span id="mode" class="pill">…</span><span id="ready" class="pill">…</span><span id="status"></span>
<div class="controls"><button id="btn-halt" data-mode="HALTED">HALT</button><button id="btn-reduce" data-mode="REDUCE_ONLY">REDUCE-ONLY</button>
<button id="btn-normal" data-mode="NORMAL">NORMAL</button><button id="btn-flatten" data-flatten="1">FLATTEN</button></div></header>
<main>
<section><h2>Slots</h2><table id="slots"><thead><tr><th>Slot</th><th>Stage</th><th>Trade</th><th>Asset</th><th>Side</th>
<th class="num">Size</th><th class="num">Target</th><th class="num">Entry</th><th class="num">Exit</th><th class="num">Unrealized PnL</th><th class="num">Realized PnL</th><th class="num">Fees</th></tr></thead><tbody></tbody></table></section>
<section><h2>Account</h2><dl id="account"></dl><h2 style="margin-top:14px">Marks</h2><dl id="marks"></dl></section>
<section class="wide"><h2>Recent outcomes and diagnostics <label class="dim" style="float:right;text-transform:none;letter-spacing:0"><input type="checkbox" id="show-marks"> marks</label></h2><table id="outcomes"><thead><tr><th>#</th><th>Time (UTC)</th><th>Input</th><th>Code</th><th>Slot</th><th>Details</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
"use strict";
const params=new URLSearchParams(location.search);
const token=params.get("token")||localStorage.getItem("dita-token")||"";
if(params.get("token"))localStorage.setItem("dita-token",params.get("token"));
const auth=token?{"Authorization":"Bearer "+token}:{};
const $=id=>document.getElementById(id);
const num=(v,d=4)=>typeof v==="number"?v.toLocaleString("en-US",{maximumFractionDigits:d}):"";
const esc=s=>String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
let lastSeq=0;const recent=[];
async function api(path,opts={}){const r=await fetch(path,{...opts,headers:{...auth,"Content-Type":"application/json",...(opts.headers||{})}});
 const body=await r.json().catch(()=>({}));if(!r.ok)throw new Error((body.error&&body.error.code)||r.status);return body;}
const cls=v=>v>0?"pos":v<0?"neg":"";
function renderSlots(slots,marks){$("slots").tBodies[0].innerHTML=slots.map(s=>{const pnl=s.realized_pnl||0;
 const mark=marks[s.asset];const upnl=(s.size>0&&mark&&s.entry_price)?(mark-s.entry_price)*s.size*(s.side==="SHORT"?-1:1):0;
 return `<tr data-slot="${s.slot_id}"><td>${s.slot_id}</td><td class="stage">${esc(s.fsm_state)}</td><td>${esc(s.trade_id||"")}</td><td>${esc(s.asset||"")}</td><td>${s.asset?esc(s.side):""}</td>
 <td class="num">${num(s.size)}</td><td class="num">${num(s.target_size)}</td><td class="num">${s.entry_price?num(s.entry_price,2):""}</td><td class="num">${s.exit_price?num(s.exit_price,2):""}</td>
 <td class="num ${cls(upnl)}">${s.size>0?num(upnl,2):""}</td><td class="num ${cls(pnl)}">${num(pnl,2)}</td><td class="num">${num(s.fees,4)}</td></tr>`}).join("");}
function renderAccount(a,svc){$("account").innerHTML=Object.entries(a).map(([k,v])=>`<dt>${esc(k.replace(/_/g," "))}</dt><dd>${num(v,2)}</dd>`).join("")+
 `<dt>venue</dt><dd>${esc(svc.venue)}</dd><dt>input sequence</dt><dd>${svc.input_sequence}</dd>`;
 $("marks").innerHTML=Object.entries(svc.marks||{}).map(([k,v])=>`<dt>${esc(k)}</dt><dd>${num(v,2)}</dd>`).join("")||"<dt class=dim>none yet</dt><dd></dd>";
 const m=$("mode");m.textContent=svc.mode;m.className="pill mode-"+svc.mode;const r=$("ready");r.textContent=svc.ready?"READY":"STARTING";r.className="pill "+(svc.ready?"mode-NORMAL":"mode-REDUCE_ONLY");}
function renderOutcomes(){$("outcomes").tBodies[0].innerHTML=recent.slice(-40).reverse().map(o=>`<tr><td>${o.seq}</td><td>${new Date(o.timestamp_ns/1e6).toISOString().slice(11,23)}</td>
 <td>${esc(o.input_ref)}</td><td class="${["OK","RECONCILED"].includes(o.diagnostic_code)?"code-OK":"code-bad"}">${esc(o.diagnostic_code)}</td><td>${o.slot_id}</td><td class="details">${esc(o.details)}</td></tr>`).join("");}
async function refresh(){try{const snap=await api("/v1/snapshot");renderSlots(snap.slots,snap.service.marks||{});renderAccount(snap.account,snap.service);
 if(lastSeq===0)lastSeq=Math.max(0,(snap.service.journal_seq||0)-40);
 const page=await api("/v1/outcomes?after="+lastSeq+"&limit=200");for(const o of page.outcomes){if($("show-marks").checked||!o.input_ref.startsWith("mark-")||o.diagnostic_code!=="OK")recent.push(o);}if(recent.length>200)recent.splice(0,recent.length-200);
 lastSeq=page.last;renderOutcomes();$("status").textContent="updated "+new Date().toISOString().slice(11,19)+" UTC";}
 catch(e){$("status").textContent="connection: "+e.message;}}
async function act(button){const flatten=!!button.dataset.flatten;const what=flatten?"FLATTEN (cancel everything, exit every slot, then REDUCE-ONLY)":"set the mode to "+button.dataset.mode;
 if(!confirm("Really "+what+"?"))return;try{await api("/v1/control",{method:"POST",body:JSON.stringify(flatten?{flatten:true,reason:"web page"}:{mode:button.dataset.mode,reason:"web page"})});}
 catch(e){alert("refused: "+e.message);}refresh();}
document.querySelectorAll(".controls button").forEach(b=>b.addEventListener("click",()=>act(b)));
refresh();setInterval(refresh,1000);
</script></body></html>
)html";

} // namespace

const std::string& web_page_html() {
    static const std::string html(page);
    return html;
}

} // namespace dita::service
