// A button marked data-print prints the page (the stylesheet's print rules drop the controls).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
