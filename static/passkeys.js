/* Passkeys (WebAuthn) for the staff second factor: registration at enrolment, and signing in.
 * The pages work without this file (authenticator app and recovery codes); it only reveals
 * the passkey panels, marked data-passkey-register / data-passkey-sign-in, where WebAuthn exists. */
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var text = atob(base64), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(panel, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": panel.dataset.csrf},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error((data.error && data.error.message) || "Something went wrong."); }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return {type: item.type, id: toBytes(item.id), transports: item.transports};
    });
  }

  function register(panel) {
    return post(panel, panel.dataset.optionsUrl).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({publicKey: options});
    }).then(function (credential) {
      var response = credential.response;
      var name = panel.querySelector("#passkey-name");
      return post(panel, panel.dataset.verifyUrl, {
        name: name ? name.value : "",
        credential: {
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: credential.type,
          authenticatorAttachment: credential.authenticatorAttachment || undefined,
          clientExtensionResults: credential.getClientExtensionResults(),
          response: {
            clientDataJSON: toBase64url(response.clientDataJSON),
            attestationObject: toBase64url(response.attestationObject),
            transports: response.getTransports ? response.getTransports() : []
          }
        }
      });
    });
  }

  function signIn(panel) {
    return post(panel, panel.dataset.optionsUrl).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({publicKey: options});
    }).then(function (credential) {
      var response = credential.response;
      return post(panel, panel.dataset.verifyUrl, {
        credential: {
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: credential.type,
          authenticatorAttachment: credential.authenticatorAttachment || undefined,
          clientExtensionResults: credential.getClientExtensionResults(),
          response: {
            clientDataJSON: toBase64url(response.clientDataJSON),
            authenticatorData: toBase64url(response.authenticatorData),
            signature: toBase64url(response.signature),
            userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined
          }
        }
      });
    });
  }

  function wire(panel, ceremony) {
    var button = panel.querySelector("[data-passkey-button]");
    var status = panel.querySelector("[data-passkey-status]");
    panel.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "";
      ceremony(panel).then(function (result) {
        window.location.assign(result.redirect);
      }).catch(function (error) {
        status.textContent = (error && error.name === "NotAllowedError")
          ? "The passkey was not used (cancelled or timed out). Try again, or use a code."
          : (error && error.message) || "The passkey did not work. Try again, or use a code.";
        button.disabled = false;
      });
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials) { return; }
  document.querySelectorAll("[data-passkey-register]").forEach(function (panel) { wire(panel, register); });
  document.querySelectorAll("[data-passkey-sign-in]").forEach(function (panel) { wire(panel, signIn); });
})();
