// The organization tree: htmx loads a node's children on its first click; later clicks
// only show or hide them.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.toggle");
  if (!button) return;
  var kids = document.getElementById(button.getAttribute("aria-controls"));
  if (!kids) return;
  if (button.dataset.loaded) {
    kids.hidden = !kids.hidden;
  } else {
    button.dataset.loaded = "1";
    kids.hidden = false;
  }
  button.textContent = kids.hidden ? "+" : "\u2212";
  button.setAttribute("aria-expanded", String(!kids.hidden));
});
