"""The review page's inline CSS and script: no network, no external fonts."""

from __future__ import annotations

CSS = """
body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#1A1A1A;margin:1.5rem auto;
max-width:1400px;padding:0 1rem;line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{border-bottom:1px solid #949494;margin-top:2rem}
h3{margin:1.5rem 0 .5rem}h4{margin:1rem 0 .3rem;color:#767676}
.summary{font-size:1.1rem;font-weight:bold}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #D0D0D0;padding:.25rem .5rem;text-align:left;vertical-align:top}
tr.error td:first-child{font-weight:bold;color:#D55E00}
tr.error td:first-child::before{content:"✗ "}tr.warning td:first-child::before{content:"⚠ "}
td.code{font-family:"DejaVu Sans Mono",monospace;white-space:nowrap}
.picture{border:1px solid #E0E0E0;padding:.5rem;background:#fff;cursor:zoom-in}
.picture svg{display:block;max-width:100%;height:auto}
.picture.full{overflow:auto;cursor:zoom-out}.picture.full svg{max-width:none}
.picture-hint{color:#767676;font-size:.8rem;margin:.1rem 0}
table{max-width:100%}td{overflow-wrap:anywhere}td.code,td.count{overflow-wrap:normal}
td.count{text-align:right}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.5rem;min-width:0}
.side>div{min-width:0}.side pre{margin:0}.side h5{margin:.2rem 0;color:#767676}
pre.yaml span.del{background:#FBE3D6}pre.yaml span.add{background:#DCEAF5}
pre.yaml span.del::before{content:"− ";color:#D55E00}
pre.yaml span.add::before{content:"+ ";color:#0072B2}
pre.yaml span.gap{background:#F0F0F0;min-height:1.2em}
details{margin:.5rem 0;border:1px solid #E0E0E0;padding:.3rem .6rem}
summary{cursor:pointer}summary span{color:#767676;margin-left:.5rem}
pre.yaml{background:#F7F7F7;padding:.5rem;overflow:auto;font-size:.85rem}
pre.yaml span{display:block}pre.yaml span:target{background:#D5EFE6}
pre.yaml span.flagged{background:#F0E442}
a.ln{display:inline-block;width:3em;color:#767676;text-decoration:none;user-select:none}
.sample{display:inline-block;min-width:3.5em;text-align:center;border-width:2px;padding:0 .3em}
.no-picture{background:#F0E442;padding:.5rem;border:1px dashed #1A1A1A}
"""

# Pictures scale down to the page (a click shows one full size).  The script opens the
# folded section that holds a linked line, so links from the pictures and the
# findings table always land on something visible.
SCRIPT = """
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));
var el=id&&document.getElementById(id);if(!el)return;
for(var p=el.parentElement;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}
el.scrollIntoView({block:'center'});}
window.addEventListener('hashchange',openTarget);openTarget();
// A picture fits the page; a click outside its links shows it full size (and back).
document.querySelectorAll('.picture').forEach(function(p){
p.addEventListener('click',function(e){if(e.target.closest('a'))return;
p.classList.toggle('full');});});
"""
