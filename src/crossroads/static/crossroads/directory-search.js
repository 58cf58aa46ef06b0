// "Use my location": fills Near with the device's coordinates (LAT,LON), which search reads
// like a ZIP code. Shown only where the browser can locate (a patrol car's laptop or phone).
(function () {
  const button = document.querySelector("[data-near-here]");
  const input = document.getElementById("id_near");
  if (!button || !input || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    button.textContent = "Locating…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        const { latitude, longitude } = position.coords;
        input.value = latitude.toFixed(5) + "," + longitude.toFixed(5);
        button.disabled = false;
        button.textContent = "Use my location";
        input.form.requestSubmit();
      },
      function () {
        button.disabled = false;
        button.textContent = "Location unavailable — type a ZIP";
      },
      { enableHighAccuracy: false, timeout: 8000, maximumAge: 60000 }
    );
  });
})();
