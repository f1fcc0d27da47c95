// 现场签到: without the site's QR code, the browser's location goes with the check-in; the
// server decides whether it is near enough. No location, no check-in: the page says why.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.tf-checkin")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.needsLocation !== "1" || form.elements.lon.value) return;
      event.preventDefault();
      const error = form.querySelector(".tf-location-error");
      if (!navigator.geolocation) {
        error.textContent = "无法获取位置，请扫描点位的二维码签到";
        error.hidden = false;
        return;
      }
      navigator.geolocation.getCurrentPosition(
        (position) => {
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.submit();
        },
        () => {
          error.textContent = "未能获取位置，请允许定位或扫描点位的二维码签到";
          error.hidden = false;
        },
        { enableHighAccuracy: true, timeout: 10000 },
      );
    });
  }
});
