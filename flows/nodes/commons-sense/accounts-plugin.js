// A Dashboard 2 plugin: every message a dashboard page sends into the flows carries in msg._client
// the account the server established for that connection (its login session), and nothing the
// page claimed: a page's own _client is replaced, and so is one stored with a widget's last value
// (Dashboard 2 reuses that message for widget changes, which would otherwise carry the previous
// user's account). Every dashboard message gets a _client, so the nodes that write can tell a
// dashboard user (who needs a login) from the flows themselves.
"use strict";

module.exports = function (RED) {
  /** The gateway passes accountOf in its Node-RED settings; a stand-alone Node-RED has none. */
  function clientOf(conn) {
    const settings = RED.settings.commonsSense;
    const account = settings && typeof settings.accountOf === "function" && conn ? settings.accountOf(conn) : undefined;
    return account ? { account: account.name, permissions: account.permissions } : {};
  }
  function stamp(conn, msg) {
    const body = msg !== null && typeof msg === "object" && !Array.isArray(msg) ? msg : { payload: msg };
    return { ...body, _client: clientOf(conn) };
  }
  RED.plugins.registerPlugin("commons-sense-accounts", {
    type: "node-red-dashboard-2",
    hooks: {
      onAction: (conn, id, msg) => stamp(conn, msg),
      onChange: (conn, id, msg) => stamp(conn, msg),
      onSend: (conn, id, msg) => stamp(conn, msg),
      onAddConnectionCredentials: (conn, msg) => stamp(conn, msg),
    },
  });
};
