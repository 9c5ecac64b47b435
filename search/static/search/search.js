// Search-as-you-type for the search page's box: fills its <datalist> from
// /search/api/suggest/. Progressive: without JavaScript the form works as is.
(function () {
  "use strict";
  var form = document.querySelector("form.search-box[data-suggest-url]");
  if (!form || !window.fetch) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null;
  var last = "";

  function fill(suggestions) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    suggestions.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.text;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var text = input.value.trim();
      if (text === last) {
        return;
      }
      last = text;
      if (!text) {
        fill([]);
        return;
      }
      var url = form.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(text);
      window
        .fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (data) {
          if (input.value.trim() === text) {
            fill(data.suggestions || []);
          }
        })
        .catch(function () {});
    }, 200);
  });
})();
