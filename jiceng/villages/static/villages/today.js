// The location is offered, never required: only when the cadre ticks the box does the
// browser ask for it, and the tap goes through whether or not a position comes back.
(function () {
  var box = document.getElementById("add-location");
  if (!box) { return; }
  var lat = document.getElementById("f-lat"), lon = document.getElementById("f-lon");
  var status = document.getElementById("location-status");
  box.addEventListener("change", function () {
    lat.value = ""; lon.value = "";
    if (!box.checked) { status.textContent = ""; return; }
    if (!navigator.geolocation) { status.textContent = "此设备无法提供位置，直接记录即可"; return; }
    status.textContent = "正在获取位置…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6); lon.value = pos.coords.longitude.toFixed(6);
      status.textContent = "已附上位置";
    }, function () { status.textContent = "未能获取位置，直接记录即可"; }, {timeout: 8000});
  });
})();
