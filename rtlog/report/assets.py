"""The report page's own CSS and script, inlined into every page (no file, font or script
is fetched from anywhere). The script reads the page's JSON data block and writes text only
through `textContent`; `html.CSP` allows it by its hash."""

from __future__ import annotations

CSS = """
:root{--bg:#fff;--fg:#1b1f24;--muted:#5d6670;--line:#d5dae0;--card:#f6f8fa;--user:#2f6fdf;--asst:#1a8a55;
--gen:#b9e4cc;--cut:#d1242f;--tool:#9a5b00;--err:#d1242f;--tr:#7a3dc1;--sel:rgba(255,196,0,.28);--warnbg:#fff4d6;--badbg:#ffe3e3;}
@media (prefers-color-scheme:dark){:root{--bg:#0f1318;--fg:#e2e6ea;--muted:#9aa4ae;--line:#2d343c;--card:#171c22;
--user:#6ea1ff;--asst:#4cc98a;--gen:#1f4a35;--cut:#ff6b6b;--tool:#e0a84a;--err:#ff6b6b;--tr:#b98cf0;--sel:rgba(255,196,0,.22);
--warnbg:#3a2f10;--badbg:#45191c;}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main,header.top{max-width:1200px;margin:0 auto;padding:0 16px}
header.top h1{font-size:1.35rem;margin:18px 0 2px;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:26px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:.95rem;margin:0 0 4px}
a{color:var(--user)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--card);padding:4px 8px;z-index:9}
.muted{color:var(--muted)}.small,small{font-size:.82rem}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.wrap,code{white-space:pre-wrap;overflow-wrap:anywhere}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:8px;margin-top:12px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:7px 10px;overflow-wrap:anywhere;min-width:0}
.stat .label{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.stat .value{font-size:1.15rem;font-weight:600;font-variant-numeric:tabular-nums}
.stat small{display:block;font-weight:400;color:var(--muted);font-size:.8rem}
.sessions{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:8px;margin-top:8px}
.session{border:1px solid var(--line);border-radius:6px;padding:8px 10px}
table.kv{border-collapse:collapse;font-size:.88rem;width:100%}table.kv th{text-align:left;color:var(--muted);font-weight:500;padding:1px 10px 1px 0;vertical-align:top;white-space:nowrap}
table.kv td{overflow-wrap:anywhere}
#timeline audio{width:100%;margin:4px 0}
.tl-controls{display:flex;gap:6px;align-items:center;margin:4px 0}
button{font:inherit;background:var(--card);color:var(--fg);border:1px solid var(--line);border-radius:5px;padding:2px 10px;cursor:pointer}
button:focus-visible,.turn:focus-visible,.tl-scroll:focus-visible,a:focus-visible{outline:2px solid var(--user);outline-offset:2px}
.tl-scroll{position:relative;overflow-x:auto;overflow-y:hidden;border:1px solid var(--line);border-radius:6px;height:196px;background:var(--card)}
.tl-spacer{height:1px}
#tl-canvas{position:sticky;left:0;top:0;display:block;width:100%;height:178px;cursor:crosshair}
.tl-tip{min-height:1.4em;font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}
.legend .sw{display:inline-block;width:12px;height:10px;margin:0 3px 0 10px;vertical-align:middle;border-radius:2px}
.sw.user{background:var(--user)}.sw.asst{background:var(--asst)}.sw.gen{background:var(--gen)}.sw.cutm{background:var(--cut);width:3px}
.sw.tool{background:var(--tool)}.sw.err{background:var(--err);border-radius:6px}.sw.tr{background:var(--tr);border-radius:6px}
ol.turns{list-style:none;padding:0;margin:0}
.turn{display:grid;grid-template-columns:120px minmax(0,1fr) 190px;gap:12px;padding:10px 8px;border-bottom:1px solid var(--line);border-left:3px solid transparent}
.turn:hover{background:var(--card)}.turn.sel{background:var(--sel);border-left-color:#e0a800}.turn.playing{border-left-color:var(--asst)}
.turn .when{display:flex;flex-direction:column}.turn .when a{font-weight:600;text-decoration:none;color:var(--fg)}
.say{margin:0 0 4px}.say b{display:inline-block;min-width:5.5em;color:var(--muted);font-weight:600}
.say.user b{color:var(--user)}.say.assistant b{color:var(--asst)}
.unheard{color:var(--muted);text-decoration:line-through;text-decoration-color:var(--cut)}.cut{color:var(--cut);font-weight:700;padding:0 3px}
.tag{display:inline-block;font-size:.75rem;border:1px solid var(--line);border-radius:10px;padding:0 7px;margin:1px 2px;color:var(--muted)}
.tag.bad{background:var(--badbg);color:var(--err);border-color:transparent}.tag.warn{background:var(--warnbg);color:var(--tool);border-color:transparent}
.tool{margin:4px 0 6px;padding:4px 8px;border-left:3px solid var(--tool);background:var(--card);border-radius:0 5px 5px 0}
.tool b{color:var(--tool)}.args{font-size:.85rem}.args details{display:inline}
.lat{position:relative;height:18px;background:var(--card);border:1px solid var(--line);border-radius:4px;margin-bottom:4px}
.lat .bar{position:absolute;left:0;top:0;bottom:0;background:var(--user);opacity:.35;border-radius:3px}
.lat .ms{position:relative;font-size:.8rem;padding-left:6px;font-variant-numeric:tabular-nums}
details.raw{margin-top:6px}details.raw summary{cursor:pointer;color:var(--muted);font-size:.85rem}
ol.events{list-style:none;padding:0;margin:4px 0;font-size:.82rem;max-height:420px;overflow:auto;border:1px solid var(--line);border-radius:5px}
ol.events li{padding:1px 6px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}ol.events li:target{background:var(--sel)}
ol.events .ln{display:inline-block;min-width:3.5em;color:var(--muted);text-decoration:none;font-variant-numeric:tabular-nums}
ul.checks{padding-left:18px}ul.checks li{margin:3px 0;overflow-wrap:anywhere}
table.fleet{border-collapse:collapse;width:100%;font-size:.9rem;margin-top:12px}
table.fleet th,table.fleet td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;font-variant-numeric:tabular-nums}
table.fleet th:first-child,table.fleet td:first-child{text-align:left;overflow-wrap:anywhere}
table.fleet tfoot th,table.fleet tfoot td{border-top:2px solid var(--line);font-weight:600;text-align:right}
table.fleet th button{border:0;background:none;padding:0;font-weight:600}td.bad{color:var(--err);text-align:left}
@media (max-width:720px){.turn{grid-template-columns:minmax(0,1fr)}.turn .when{flex-direction:row;gap:8px;align-items:baseline}
.stats{grid-template-columns:repeat(2,minmax(0,1fr))}table.fleet{font-size:.8rem}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--card:#fff;--line:#bbb}body{font-size:11pt}
.tl-controls,#timeline audio,.tl-tip,.skip,header.top .nav{display:none}.tl-scroll{overflow:hidden;border:1px solid #999}
.turn{break-inside:avoid;grid-template-columns:90px minmax(0,1fr) 150px}details.raw{display:none}
ol.events{max-height:none}a{color:#000;text-decoration:none}.turn.sel,.turn:hover{background:none}}
"""

JS = r"""
(function(){
"use strict";
var dataEl=document.getElementById("rtlog-data");
var D=dataEl?JSON.parse(dataEl.textContent):{};
function sortable(){
  var table=document.getElementById("fleet");if(!table)return;
  var body=table.tBodies[0];var dir={};
  function val(tr,i){var td=tr.cells[i];if(!td||!td.hasAttribute("data-v"))return null;return JSON.parse(td.getAttribute("data-v"));}
  function sortBy(i,desc){
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=val(a,i),y=val(b,i);if(x===y)return 0;if(x===null)return 1;if(y===null)return -1;return desc?(y-x):(x-y);});
    rows.forEach(function(r){body.appendChild(r);});
  }
  table.tHead.addEventListener("click",function(ev){
    var b=ev.target.closest("button[data-col]");if(!b)return;var i=+b.getAttribute("data-col");
    dir[i]=!(dir[i]===undefined?false:dir[i]);sortBy(i,dir[i]);
  });
  var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){var k=[4,3,6];for(var j=0;j<k.length;j++){var x=val(a,k[j])||0,y=val(b,k[j])||0;if(x!==y)return y-x;}return 0;});
  rows.forEach(function(r){body.appendChild(r);});
}
if(D.index){sortable();return;}
var player=document.getElementById("player");
var scroller=document.getElementById("tl-scroll"),spacer=document.getElementById("tl-spacer"),canvas=document.getElementById("tl-canvas");
var tip=document.getElementById("tl-tip"),info=document.getElementById("tl-info");
var dur=Math.max(D.duration||0,0.001),zoom=1,selected=null;
var turnsEl=Array.prototype.slice.call(document.querySelectorAll("li.turn"));
var peaks=null,maxL=1,maxR=1;
if(D.peaks){
  var bin=atob(D.peaks.data);peaks=new Int8Array(bin.length);
  for(var i=0;i<bin.length;i++){peaks[i]=(bin.charCodeAt(i)<<24)>>24;}
  for(var c=0;c<peaks.length;c+=4){maxL=Math.max(maxL,-peaks[c],peaks[c+1]);maxR=Math.max(maxR,-peaks[c+2],peaks[c+3]);}
}
var embedded=document.getElementById("rtlog-audio");
if(player&&embedded){
  var b64=embedded.textContent.replace(/\s+/g,""),parts=[],step=1<<20;
  for(var p=0;p<b64.length;p+=step){var s=atob(b64.slice(p,p+step)),u=new Uint8Array(s.length);for(var q=0;q<s.length;q++)u[q]=s.charCodeAt(q);parts.push(u);}
  player.src=URL.createObjectURL(new Blob(parts,{type:"audio/wav"}));
}
function css(name){return getComputedStyle(document.documentElement).getPropertyValue(name).trim()||"#888";}
var L={ruler:[0,18],user:[20,54],asst:[78,54],tools:[136,18],events:[158,18]};
function width(){return scroller.clientWidth;}
function pxPerSec(){return width()*zoom/dur;}
function timeAt(x){return (scroller.scrollLeft+x)/pxPerSec();}
function niceStep(pps){var steps=[0.1,0.2,0.5,1,2,5,10,15,30,60,120,300,600,900,1800,3600];for(var i=0;i<steps.length;i++){if(steps[i]*pps>=80)return steps[i];}return 7200;}
function label(t){var m=Math.floor(t/60),s=t-m*60;var h=Math.floor(m/60);m=m%60;var ss=(s<10?"0":"")+(Math.round(s*10)/10).toFixed(s%1?1:0);return (h?h+":"+(m<10?"0":"")+m:m)+":"+ss;}
function draw(){
  if(!canvas)return;
  var w=width(),h=canvas.clientHeight,dpr=window.devicePixelRatio||1;
  spacer.style.width=(w*zoom)+"px";
  if(canvas.width!==Math.round(w*dpr)||canvas.height!==Math.round(h*dpr)){canvas.width=Math.round(w*dpr);canvas.height=Math.round(h*dpr);}
  var g=canvas.getContext("2d");g.setTransform(dpr,0,0,dpr,0,0);g.clearRect(0,0,w,h);
  var pps=pxPerSec(),t0=scroller.scrollLeft/pps,t1=t0+w/pps;
  function X(t){return (t-t0)*pps;}
  var fg=css("--muted"),line=css("--line");
  g.font="11px system-ui,sans-serif";g.fillStyle=fg;g.strokeStyle=line;g.lineWidth=1;
  var st=niceStep(pps);
  for(var t=Math.floor(t0/st)*st;t<=t1;t+=st){var x=Math.round(X(t))+0.5;g.beginPath();g.moveTo(x,L.ruler[1]-5);g.lineTo(x,h);g.stroke();g.fillText(label(t),x+3,11);}
  function spans(list,lane,color,alpha){g.globalAlpha=alpha;g.fillStyle=color;list.forEach(function(m){var a=m[0],b=(m[1]==null?m[0]:m[1]);if(b<t0||a>t1)return;g.fillRect(X(a),lane[0],Math.max(1,(b-a)*pps),lane[1]);});g.globalAlpha=1;}
  spans(D.lanes.speech,L.user,css("--user"),0.16);
  spans(D.lanes.audio,L.asst,css("--gen"),0.55);
  g.globalAlpha=0.18;g.fillStyle=css("--asst");
  D.lanes.audio.forEach(function(m){var a=m[0],b=m[5];if(b<t0||a>t1)return;g.fillRect(X(a),L.asst[0],Math.max(1,(b-a)*pps),L.asst[1]);});
  g.globalAlpha=1;
  if(selected){g.fillStyle=css("--sel");g.fillRect(X(selected[0]),L.user[0],Math.max(2,(selected[1]-selected[0])*pps),L.asst[0]+L.asst[1]-L.user[0]);}
  if(peaks){
    var cols=peaks.length/4,cps=cols/D.peaks.seconds;
    [[L.user,0,maxL,css("--user")],[L.asst,2,maxR,css("--asst")]].forEach(function(spec){
      var lane=spec[0],off=spec[1],mx=spec[2],mid=lane[0]+lane[1]/2,half=lane[1]/2-2;g.fillStyle=spec[3];
      for(var x=0;x<w;x++){
        var c0=Math.floor(timeAt(x)*cps),c1=Math.max(c0+1,Math.floor(timeAt(x+1)*cps));if(c1<=0||c0>=cols)continue;
        var lo=0,hi=0;for(var c=Math.max(c0,0);c<Math.min(c1,cols);c++){var a=peaks[c*4+off],b=peaks[c*4+off+1];if(a<lo)lo=a;if(b>hi)hi=b;}
        if(hi===0&&lo===0)continue;var y0=mid-hi/mx*half,y1=mid-lo/mx*half;g.fillRect(x,y0,1,Math.max(1,y1-y0));
      }
    });
  }else{g.fillStyle=fg;g.fillText("no audio drawn",6,L.user[0]+14);}
  g.fillStyle=css("--cut");
  D.lanes.audio.forEach(function(m){if(m[6]==null)return;var x=X(m[5]);if(x<-2||x>w+2)return;g.fillRect(x-1,L.asst[0],3,L.asst[1]);});
  g.fillStyle=css("--tool");
  D.lanes.tools.forEach(function(m){var a=m[0],b=(m[1]==null?m[0]:m[1]);if(b<t0||a>t1)return;g.fillRect(X(a),L.tools[0]+4,Math.max(3,(b-a)*pps),10);});
  function dots(list,color,y){g.fillStyle=color;list.forEach(function(m){var x=X(m[0]);if(x<-5||x>w+5)return;g.beginPath();g.arc(x,y,4,0,7);g.fill();});}
  dots(D.lanes.transcripts,css("--tr"),L.events[0]+9);dots(D.lanes.errors,css("--err"),L.events[0]+9);
  g.fillStyle=fg;g.fillText("user",4,L.user[0]+10);g.fillText("assistant",4,L.asst[0]+10);g.fillText("tools",4,L.tools[0]+12);g.fillText("events",4,L.events[0]+13);
  if(player&&!isNaN(player.currentTime)){var px=X(player.currentTime);if(px>=0&&px<=w){g.fillStyle=css("--fg");g.fillRect(px,L.ruler[1],1.5,h);}}
  if(info)info.textContent="zoom "+zoom+"× · "+label(t0)+" – "+label(Math.min(t1,dur))+" of "+label(dur);
}
function setZoom(z,anchorX){
  z=Math.max(1,Math.min(z,Math.max(1,Math.ceil(dur*400/Math.max(width(),1)))));
  var ax=anchorX==null?width()/2:anchorX,t=timeAt(ax);zoom=z;spacer.style.width=(width()*zoom)+"px";
  scroller.scrollLeft=Math.max(0,t*pxPerSec()-ax);draw();
}
function show(t){var pps=pxPerSec(),x=t*pps-scroller.scrollLeft;if(x<0||x>width()-20)scroller.scrollLeft=Math.max(0,t*pps-width()*0.2);}
function seek(t,play){if(!player||isNaN(t))return;try{player.currentTime=Math.max(0,t);}catch(e){}if(play){var pr=player.play();if(pr&&pr.catch)pr.catch(function(){});}show(t);draw();}
function hit(x,y){
  var t=timeAt(x),tol=5/pxPerSec(),lists=[];
  if(y>=L.events[0])lists=[["error",D.lanes.errors],["transcription",D.lanes.transcripts]];
  else if(y>=L.tools[0])lists=[["tool",D.lanes.tools]];else if(y>=L.asst[0])lists=[["assistant",D.lanes.audio]];else if(y>=L.user[0])lists=[["user",D.lanes.speech]];
  for(var i=0;i<lists.length;i++){var ls=lists[i][1];for(var j=0;j<ls.length;j++){var m=ls[j],b=(m[1]==null?m[0]:m[1]);if(t>=m[0]-tol&&t<=b+tol)return [lists[i][0],m];}}
  return null;
}
if(scroller){
  scroller.addEventListener("scroll",draw);window.addEventListener("resize",draw);
  scroller.addEventListener("mousemove",function(ev){var r=canvas.getBoundingClientRect(),x=ev.clientX-r.left,h=hit(x,ev.clientY-r.top);
    tip.textContent=label(timeAt(x))+(h?" · "+h[0]+(h[1][2]?" (turn "+h[1][2]+")":"")+(h[1][3]?": "+h[1][3]:"")+(h[1][6]!=null&&h[0]==="assistant"?" [cut at "+h[1][6]+" ms]":""):"");});
  scroller.addEventListener("click",function(ev){var r=canvas.getBoundingClientRect(),x=ev.clientX-r.left,h=hit(x,ev.clientY-r.top);
    if(h&&h[1][2]!=null)select(h[1][2],false);seek(timeAt(x),true);});
  scroller.addEventListener("wheel",function(ev){if(!ev.ctrlKey)return;ev.preventDefault();var r=canvas.getBoundingClientRect();setZoom(ev.deltaY<0?zoom*2:Math.floor(zoom/2),ev.clientX-r.left);},{passive:false});
  scroller.addEventListener("keydown",function(ev){
    if(ev.key==="+"||ev.key==="="){setZoom(zoom*2);ev.preventDefault();}else if(ev.key==="-"){setZoom(Math.floor(zoom/2));ev.preventDefault();}
    else if(ev.key==="ArrowRight"){scroller.scrollLeft+=width()/4;ev.preventDefault();}else if(ev.key==="ArrowLeft"){scroller.scrollLeft-=width()/4;ev.preventDefault();}
    else if(ev.key===" "&&player){if(player.paused){player.play().catch(function(){});}else player.pause();ev.preventDefault();}
  });
  document.querySelector(".tl-controls").addEventListener("click",function(ev){var b=ev.target.closest("button[data-zoom]");if(!b)return;
    var k=b.getAttribute("data-zoom");setZoom(k==="in"?zoom*2:k==="out"?Math.floor(zoom/2):1);});
}
function select(n,scrollTo){
  var li=document.getElementById("turn-"+n);turnsEl.forEach(function(e){e.classList.toggle("sel",e===li);});
  if(!li)return;var s=parseFloat(li.getAttribute("data-start")),e=parseFloat(li.getAttribute("data-end"));
  selected=isNaN(s)?null:[s,isNaN(e)?s:e];if(scrollTo)li.scrollIntoView({block:"nearest"});draw();return s;
}
function activate(li,play){var s=select(li.getAttribute("data-n"),false);if(s!=null&&!isNaN(s))seek(s,play);}
turnsEl.forEach(function(li,k){
  li.addEventListener("click",function(ev){
    if(ev.target.closest("a,summary,details,button,code,pre"))return;
    var sel=window.getSelection();if(sel&&!sel.isCollapsed)return;activate(li,true);});
  li.addEventListener("keydown",function(ev){
    if(ev.target!==li)return;
    if(ev.key==="Enter"||ev.key===" "){activate(li,true);ev.preventDefault();}
    else if(ev.key==="ArrowDown"||ev.key==="j"){var n=turnsEl[k+1];if(n){n.focus();ev.preventDefault();}}
    else if(ev.key==="ArrowUp"||ev.key==="k"){var p=turnsEl[k-1];if(p){p.focus();ev.preventDefault();}}
  });
});
function openTarget(){
  var id=decodeURIComponent(location.hash.slice(1));if(!id)return;var el=document.getElementById(id);if(!el)return;
  for(var d=el.closest("details");d;d=d.parentElement&&d.parentElement.closest("details")){d.open=true;}
  el.scrollIntoView({block:"center"});if(/^turn-/.test(id))select(id.slice(5),false);
}
window.addEventListener("hashchange",openTarget);openTarget();
if(player){
  var raf=0;
  function frame(){draw();var t=player.currentTime;turnsEl.forEach(function(e){var s=parseFloat(e.getAttribute("data-start")),en=parseFloat(e.getAttribute("data-end"));e.classList.toggle("playing",t>=s&&t<=en);});
    if(zoom>1)show(t);if(!player.paused)raf=requestAnimationFrame(frame);}
  player.addEventListener("play",function(){cancelAnimationFrame(raf);raf=requestAnimationFrame(frame);});
  player.addEventListener("seeked",draw);player.addEventListener("pause",draw);
}
if(window.matchMedia){var mq=window.matchMedia("(prefers-color-scheme: dark)");if(mq.addEventListener)mq.addEventListener("change",draw);}
window.addEventListener("beforeprint",draw);
draw();
})();
"""
