// The network graph on Lantern's network pages, drawn with Cytoscape.js.
//
// The page renders the network twice: as JSON (#network-data) for this script, and as
// two tables for everyone. This script draws the graph, shows the selected entity, and
// "expands" an entity: it fetches that entity's own links (graph.json, read through the
// same access policy and audited on the server) and merges them into both the graph and
// the tables. It only ever shows what the server sent: what the reader may not see was
// never sent, so it is absent, not greyed.
(function () {
  "use strict";

  var dataNode = document.getElementById("network-data");
  var container = document.getElementById("network-graph");
  if (!dataNode || !container || typeof window.cytoscape !== "function") {
    return;
  }
  var data = JSON.parse(dataNode.textContent);

  // GOV.UK colours; shapes differ as well as colours, so the key reads without colour.
  var KINDS = {
    person: { shape: "ellipse", colour: "#1d70b8" },
    vehicle: { shape: "round-rectangle", colour: "#00703c" },
    phone: { shape: "diamond", colour: "#4c2c92" },
    handset: { shape: "diamond", colour: "#912b88" },
    online_account: { shape: "hexagon", colour: "#28a197" },
    location: { shape: "triangle", colour: "#6f4f28" },
    event: { shape: "star", colour: "#505a5f" },
  };
  var CHILD = "#f47738";
  var FLAGGED = "#d4351c";
  var INK = "#0b0c0c";

  function caption(node) {
    var marks = [];
    if (node.child) marks.push("child");
    if (node.flagged) marks.push("flagged");
    return node.label + (marks.length ? "\n(" + marks.join(", ") + ")" : "");
  }

  function nodeElement(node) {
    var kind = KINDS[node.kind] || KINDS.event;
    return {
      group: "nodes",
      data: {
        id: node.id,
        caption: caption(node),
        shape: kind.shape,
        colour: node.child ? CHILD : kind.colour,
        info: node,
      },
      classes: [node.child ? "child" : "", node.flagged ? "flagged" : "", node.centre ? "centre" : ""]
        .filter(Boolean)
        .join(" "),
    };
  }

  function edgeElement(edge) {
    return {
      group: "edges",
      data: { id: edge.id, source: edge.source, target: edge.target, caption: edge.kind_label, info: edge },
    };
  }

  var STYLE = [
    {
      selector: "node",
      style: {
        shape: "data(shape)",
        "background-color": "data(colour)",
        width: 30,
        height: 30,
        label: "data(caption)",
        "font-family": "Arial, sans-serif",
        "font-size": 13,
        color: INK,
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 4,
        "text-wrap": "wrap",
        "text-max-width": 130,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": 2,
        "border-width": 2,
        "border-color": "#ffffff",
      },
    },
    { selector: "node.child", style: { width: 34, height: 34, "font-weight": "bold" } },
    { selector: "node.flagged", style: { "border-width": 5, "border-color": FLAGGED } },
    {
      selector: "node.centre",
      style: { width: 44, height: 44, "border-width": 4, "border-color": INK, "border-style": "dashed" },
    },
    { selector: "node.flagged.centre", style: { "border-color": FLAGGED } },
    {
      selector: "node:selected",
      style: { "overlay-color": "#ffdd00", "overlay-opacity": 0.45, "overlay-padding": 6 },
    },
    {
      selector: "edge",
      style: {
        width: 2,
        "line-color": "#8c9196",
        "curve-style": "bezier",
      },
    },
    {
      selector: "edge:selected, edge.near",
      style: {
        width: 3,
        "line-color": INK,
        label: "data(caption)",
        "font-family": "Arial, sans-serif",
        "font-size": 11,
        "text-rotation": "autorotate",
        "text-background-color": "#ffffff",
        "text-background-opacity": 1,
        "text-background-padding": 2,
      },
    },
  ];

  var fallback = document.getElementById("network-graph-fallback");
  if (fallback) fallback.remove();

  var cy = window.cytoscape({
    container: container,
    elements: data.nodes.map(nodeElement).concat(data.edges.map(edgeElement)),
    style: STYLE,
    layout: { name: "preset" },
    minZoom: 0.2,
    maxZoom: 3,
    wheelSensitivity: 0.25,
    boxSelectionEnabled: false,
  });
  // For the browser tests and for anyone inspecting the page: the graph as drawn.
  window.lanternNetwork = cy;

  var MAX_FIT_ZOOM = 1.5;

  function fit() {
    cy.fit(undefined, 40);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
  }

  function layout() {
    cy.layout({
      name: "cose",
      animate: false,
      randomize: true,
      fit: false,
      nodeRepulsion: function () {
        return 400000;
      },
      idealEdgeLength: function () {
        return 80;
      },
      nodeOverlap: 20,
      gravity: 60,
      numIter: 1500,
    }).run();
    fit();
  }

  // New entities from an expansion go in a ring around the entity they came from, on
  // the side away from the rest of the graph: what was already there stays where the
  // reader last saw it.
  function place(from, added) {
    if (!added.length) return;
    var at = from.position();
    var rest = cy.nodes().not(added).boundingBox();
    var away = Math.atan2(at.y - (rest.y1 + rest.y2) / 2, at.x - (rest.x1 + rest.x2) / 2);
    if (!isFinite(away)) away = 0;
    var spread = added.length > 5 ? 2 * Math.PI : Math.PI;
    var radius = 110 + 12 * Math.max(0, added.length - 6);
    added.forEach(function (node, i) {
      var angle = added.length === 1 ? away : away - spread / 2 + (spread * (i + 0.5)) / added.length;
      node.position({ x: at.x + radius * Math.cos(angle), y: at.y + radius * Math.sin(angle) });
    });
  }
  layout();

  // ---------------------------------------------------------------- selecting
  var selected = document.getElementById("network-selected");
  var status = document.getElementById("network-status");
  var expanded = {};
  if (data.centre) expanded[data.centre] = true;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function tags(node) {
    var cell = document.createDocumentFragment();
    if (node.centre) cell.appendChild(el("strong", { className: "govuk-tag govuk-tag--grey" }, "Start"));
    if (node.child) {
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(el("strong", { className: "govuk-tag govuk-tag--orange" }, "Child"));
    }
    if (node.flagged) {
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(el("strong", { className: "govuk-tag govuk-tag--red" }, "Flagged"));
    }
    return cell;
  }

  function expandButton(node, extraClass) {
    var button = el("button", {
      type: "button",
      className: "govuk-button govuk-button--secondary govuk-!-margin-bottom-0 " + (extraClass || ""),
      "data-expand": node.expand_url,
      "data-node": node.id,
    });
    button.appendChild(document.createTextNode("Expand"));
    button.appendChild(el("span", { className: "govuk-visually-hidden" }, " the graph from " + node.label));
    if (expanded[node.id]) markExpanded(button);
    return button;
  }

  function markExpanded(button) {
    button.disabled = true;
    button.setAttribute("aria-disabled", "true");
    button.firstChild.textContent = "Expanded";
  }

  function show(node) {
    selected.textContent = "";
    var heading = el("h2", { className: "govuk-heading-s govuk-!-margin-bottom-1" }, node.label);
    selected.appendChild(heading);
    var line = el("p", { className: "govuk-body-s govuk-!-margin-bottom-2" });
    line.appendChild(document.createTextNode(node.kind_label + (node.reference ? " " + node.reference : "") + ", " + node.links + " link" + (node.links === 1 ? "" : "s") + " shown "));
    line.appendChild(tags(node));
    selected.appendChild(line);
    var actions = el("div", { className: "govuk-button-group govuk-!-margin-bottom-0" });
    if (!node.centre) actions.appendChild(expandButton(node));
    if (!node.centre) actions.appendChild(el("a", { className: "govuk-link", href: node.url }, "Open the network around " + node.label));
    if (node.person_url) actions.appendChild(el("a", { className: "govuk-link", href: node.person_url }, "Open the record"));
    selected.appendChild(actions);
  }

  cy.on("tap", "node", function (event) {
    cy.edges().removeClass("near");
    event.target.connectedEdges().addClass("near");
    show(event.target.data("info"));
  });
  cy.on("tap", function (event) {
    if (event.target === cy) cy.edges().removeClass("near");
  });

  // ---------------------------------------------------------------- the tables
  var nodeRows = document.getElementById("network-nodes");
  var linkRows = document.getElementById("network-links");

  function nodeRow(node) {
    var row = el("tr", { className: "govuk-table__row", "data-node-id": node.id });
    row.appendChild(el("td", { className: "govuk-table__cell" }, node.kind_label));
    var who = el("td", { className: "govuk-table__cell" });
    if (node.person_url) {
      who.appendChild(el("a", { className: "govuk-link", href: node.person_url }, node.label));
      who.appendChild(el("br"));
      who.appendChild(el("span", { className: "govuk-hint govuk-!-font-size-16 govuk-!-margin-bottom-0" }, node.reference));
    } else {
      who.textContent = node.label;
    }
    row.appendChild(who);
    var marks = el("td", { className: "govuk-table__cell" });
    marks.appendChild(tags(node));
    row.appendChild(marks);
    row.appendChild(el("td", { className: "govuk-table__cell govuk-table__cell--numeric" }, String(node.links)));
    var actions = el("td", { className: "govuk-table__cell" });
    var open = el("a", { className: "govuk-link govuk-body-s", href: node.url }, "Network around");
    open.appendChild(el("span", { className: "govuk-visually-hidden" }, " " + node.label));
    actions.appendChild(open);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(expandButton(node, "govuk-!-margin-top-1 govuk-!-font-size-16"));
    row.appendChild(actions);
    return row;
  }

  function linkRow(edge) {
    var row = el("tr", { className: "govuk-table__row", "data-link-id": edge.id });
    [edge.source_label, edge.kind_label, edge.target_label, edge.seen].forEach(function (text) {
      row.appendChild(el("td", { className: "govuk-table__cell" }, text));
    });
    var source = el("td", { className: "govuk-table__cell" });
    if (edge.report_url) {
      source.appendChild(el("a", { className: "govuk-link", href: edge.report_url }, edge.report));
      source.appendChild(document.createTextNode(" "));
      source.appendChild(el("span", { className: "govuk-body-s" }, "graded " + edge.grading));
    } else {
      source.textContent = "A summary shared with your agency";
    }
    row.appendChild(source);
    return row;
  }

  function counts() {
    var nodesCount = document.getElementById("network-node-count");
    var linksCount = document.getElementById("network-link-count");
    if (nodesCount) nodesCount.textContent = String(cy.nodes().length);
    if (linksCount) linksCount.textContent = String(cy.edges().length);
    var since = document.getElementById("summary-expanded");
    if (since) {
      var n = cy.nodes().length;
      var m = cy.edges().length;
      since.textContent = " With what you expanded, the graph and the tables now show " + n + " entit" + (n === 1 ? "y" : "ies") + " and " + m + " link" + (m === 1 ? "" : "s") + ".";
    }
  }

  // ---------------------------------------------------------------- expanding
  function expand(url, nodeId) {
    var from = cy.getElementById(nodeId);
    var name = from.nonempty() ? from.data("info").label : "the entity";
    status.textContent = "Loading the links of " + name + "…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (more) {
        var added = { nodes: 0, edges: 0 };
        var elements = [];
        more.nodes.forEach(function (node) {
          if (cy.getElementById(node.id).empty()) {
            node.centre = false;
            elements.push(nodeElement(node));
            nodeRows.appendChild(nodeRow(node));
            added.nodes += 1;
          }
        });
        more.edges.forEach(function (edge) {
          if (cy.getElementById(edge.id).empty()) {
            elements.push(edgeElement(edge));
            var none = document.getElementById("network-no-links");
            if (none) none.remove();
            linkRows.appendChild(linkRow(edge));
            added.edges += 1;
          }
        });
        var fresh = cy.add(elements).nodes();
        // Each node's count of links shown, now that there are more.
        cy.nodes().forEach(function (n) {
          var info = n.data("info");
          info.links = n.connectedEdges().length;
          var row = nodeRows.querySelector('tr[data-node-id="' + n.id() + '"]');
          if (row) row.children[3].textContent = String(info.links);
        });
        expanded[nodeId] = true;
        document.querySelectorAll('button[data-node="' + nodeId + '"]').forEach(markExpanded);
        if (from.nonempty()) place(from, fresh);
        else if (fresh.length) layout();
        fit();
        counts();
        var target = cy.getElementById(nodeId);
        if (target.nonempty()) {
          cy.elements().unselect();
          target.select();
          show(target.data("info"));
        }
        status.textContent = added.nodes || added.edges
          ? "Added " + added.nodes + " entit" + (added.nodes === 1 ? "y" : "ies") + " and " + added.edges + " link" + (added.edges === 1 ? "" : "s") + " from the network around " + name + " (in the graph and at the end of the tables)."
          : "Nothing more you may see is linked to " + name + " with these filters.";
        if (more.truncated) status.textContent += " Not every link could be shown: open the network around " + name + " to see more.";
      })
      .catch(function () {
        status.textContent = "The links of " + name + " could not be loaded. Open the network around " + name + " instead.";
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-expand]");
    if (!button || button.disabled) return;
    expand(button.getAttribute("data-expand"), button.getAttribute("data-node"));
  });
  document.querySelectorAll("button[data-expand][hidden]").forEach(function (button) {
    button.hidden = false;
  });
  container.setAttribute("data-ready", "true");
})();
