// Let the search stem whole words that the reader types.
//
// Material 9.8's search worker appends "*" to every query term, and lunr
// never runs a term with a wildcard through the stemmer, so the query
// "verossimilhanças*" misses the stem "verossimilh" in the index. This script
// also sends each plain word as "word^1": Material adds no wildcard to a term
// with a boost, so lunr stems that copy with the page language's stemmer,
// while the "word*" copy keeps prefix matches as the reader types.
//
// It must load before Material's bundle, which creates the search worker.
(function () {
  "use strict";

  var QUERY = 2; // type of a query message to Material 9.8's search worker
  var PLAIN_WORD = /^[\p{L}\p{N}]+$/u;
  var NativeWorker = window.Worker;

  function addStemmedCopies(query) {
    var terms = [];
    query.split(/\s+/).forEach(function (term) {
      if (!term) return;
      terms.push(term);
      if (PLAIN_WORD.test(term)) terms.push(term + "^1");
    });
    return terms.join(" ");
  }

  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      super(url, options);
      this.isSearch = String(url).indexOf("/workers/search.") !== -1;
    }

    postMessage(message, transfer) {
      if (this.isSearch && message && message.type === QUERY && typeof message.data === "string") {
        message = Object.assign({}, message, { data: addStemmedCopies(message.data) });
      }
      return transfer === undefined ? super.postMessage(message) : super.postMessage(message, transfer);
    }
  };
})();
