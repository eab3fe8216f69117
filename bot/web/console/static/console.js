// Forms that erase something ask first (data-confirm); a file, as the CSP allows no inline script.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
