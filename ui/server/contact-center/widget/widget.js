// The embeddable customer widget: <script src="https://…/widget.js" data-queue="QUEUE_ID" async></script>
// Optional: data-token (a customer token signed by the company's site), data-language (fi, sv, en),
// data-open="true" (open the panel at once). Plain JavaScript in a shadow root: no framework, no
// styles leak either way. It talks to the platform it was loaded from, over one WebSocket.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src, location.href);
  var queueId = script.getAttribute('data-queue') || '';
  var token = script.getAttribute('data-token') || '';
  var language = (script.getAttribute('data-language') || (navigator.language || 'fi').slice(0, 2)).toLowerCase();
  if (['fi', 'sv', 'en'].indexOf(language) < 0) language = 'en';
  var storageKey = 'cc-widget:' + queueId;

  var TEXT = {
    fi: {
      open: 'Chat', title: 'Asiakaspalvelu', start: 'Aloita chat', name: 'Nimesi', email: 'Sähköposti (valinnainen)', first: 'Miten voimme auttaa?',
      send: 'Lähetä', typing: 'kirjoittaa…', connecting: 'Yhdistetään…', queued: 'Olet jonossa sijalla {p}.', eta: 'Arvioitu odotus noin {m} min.',
      etaUnknown: 'Odotusaikaa ei voi arvioida juuri nyt.', joined: '{n} on liittynyt keskusteluun.', ended: 'Keskustelu päättyi.',
      rate: 'Miten onnistuimme?', thanks: 'Kiitos arviostasi!', nps: 'Kuinka todennäköisesti suosittelisit meitä ystävällesi (0–10)?', transcript: 'Lähetä keskustelu sähköpostiini', transcriptDone: 'Keskustelu lähetetään osoitteeseen {e}.', transcriptOff: 'Sähköpostia ei voi lähettää juuri nyt.',
      leave: 'Lopeta', again: 'Uusi keskustelu', closed: 'Chat on nyt suljettu.', nobody: 'Juuri nyt kukaan ei ehdi chattiin.',
      instead: 'Jätä soittopyyntö tai palaute, niin palaamme asiaan.', callback: 'Soittopyyntö', feedback: 'Palaute', phone: 'Puhelinnumero',
      when: 'Sopiva aika (valinnainen)', message: 'Viesti', submit: 'Lähetä', requested: 'Kiitos! Pyyntösi on vastaanotettu.', waitingAgain: 'Siirrämme sinut seuraavalle vapaalle asiantuntijalle.',
      full: 'Jono on juuri nyt täynnä.', you: 'Sinä', system: 'Järjestelmä', error: 'Jokin meni vikaan: ',
      call: 'Soita', callConnecting: 'Yhdistetään puhelua…', callRinging: 'Asiantuntijan puhelin soi…', callConnected: 'Puhelu: {n}',
      callHold: 'Olet pidossa, pysy linjalla.', callEnded: 'Puhelu päättyi.', mute: 'Mykistä', unmute: 'Poista mykistys', hangUp: 'Lopeta puhelu', callingBack: 'Soitamme sinulle takaisin.', answer: 'Vastaa',
      micDenied: 'Mikrofonia ei saatu käyttöön: salli se selaimen asetuksista.',
    },
    sv: {
      open: 'Chatt', title: 'Kundtjänst', start: 'Starta chatten', name: 'Ditt namn', email: 'E-post (valfri)', first: 'Hur kan vi hjälpa?',
      send: 'Skicka', typing: 'skriver…', connecting: 'Ansluter…', queued: 'Du står på plats {p} i kön.', eta: 'Uppskattad väntetid cirka {m} min.',
      etaUnknown: 'Väntetiden kan inte uppskattas just nu.', joined: '{n} har anslutit till chatten.', ended: 'Chatten har avslutats.',
      rate: 'Hur lyckades vi?', thanks: 'Tack för ditt betyg!', nps: 'Hur troligt är det att du skulle rekommendera oss till en vän (0–10)?', transcript: 'Skicka chatten till min e-post', transcriptDone: 'Chatten skickas till {e}.', transcriptOff: 'E-post kan inte skickas just nu.',
      leave: 'Avsluta', again: 'Ny chatt', closed: 'Chatten är stängd just nu.', nobody: 'Just nu hinner ingen chatta.',
      instead: 'Lämna en återuppringning eller respons, så återkommer vi.', callback: 'Återuppringning', feedback: 'Respons', phone: 'Telefonnummer',
      when: 'Lämplig tid (valfri)', message: 'Meddelande', submit: 'Skicka', requested: 'Tack! Vi har tagit emot din begäran.', waitingAgain: 'Vi flyttar dig till nästa lediga handläggare.',
      full: 'Kön är full just nu.', you: 'Du', system: 'System', error: 'Något gick fel: ',
      call: 'Ring', callConnecting: 'Samtalet kopplas…', callRinging: 'Det ringer hos handläggaren…', callConnected: 'I samtal med {n}',
      callHold: 'Du är parkerad, stanna kvar i linjen.', callEnded: 'Samtalet har avslutats.', mute: 'Stäng av mikrofonen', unmute: 'Slå på mikrofonen', hangUp: 'Lägg på', callingBack: 'Vi ringer upp dig.', answer: 'Svara',
      micDenied: 'Mikrofonen kunde inte användas: tillåt den i webbläsarens inställningar.',
    },
    en: {
      open: 'Chat', title: 'Customer service', start: 'Start chat', name: 'Your name', email: 'E-mail (optional)', first: 'How can we help?',
      send: 'Send', typing: 'is typing…', connecting: 'Connecting…', queued: 'You are number {p} in the queue.', eta: 'Estimated wait about {m} min.',
      etaUnknown: 'The wait cannot be estimated right now.', joined: '{n} has joined the chat.', ended: 'The chat has ended.',
      rate: 'How did we do?', thanks: 'Thank you for your rating!', nps: 'How likely are you to recommend us to a friend (0–10)?', transcript: 'E-mail me the transcript', transcriptDone: 'The transcript will be sent to {e}.', transcriptOff: 'E-mail cannot be sent right now.',
      leave: 'End chat', again: 'New chat', closed: 'Chat is closed right now.', nobody: 'Nobody is free to chat right now.',
      instead: 'Leave a callback request or feedback and we will get back to you.', callback: 'Callback', feedback: 'Feedback', phone: 'Phone number',
      when: 'Good time (optional)', message: 'Message', submit: 'Send', requested: 'Thank you! We have your request.', waitingAgain: 'We are moving you to the next free agent.',
      full: 'The queue is full right now.', you: 'You', system: 'System', error: 'Something went wrong: ',
      call: 'Call', callConnecting: 'Connecting the call…', callRinging: 'Ringing an agent…', callConnected: 'On a call with {n}',
      callHold: 'You are on hold; please stay on the line.', callEnded: 'The call has ended.', mute: 'Mute', unmute: 'Unmute', hangUp: 'Hang up', callingBack: 'We are calling you back.', answer: 'Answer',
      micDenied: 'The microphone could not be used: allow it in the browser settings.',
    },
  }[language];
  var t = function (key, values) {
    return TEXT[key].replace(/\{(\w)\}/g, function (_, k) {
      return values && values[k] !== undefined ? String(values[k]) : '';
    });
  };

  var host = document.createElement('div');
  host.setAttribute('data-testid', 'cc-widget');
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML =
    '<style>' +
    ':host{all:initial}*{box-sizing:border-box;font-family:system-ui,sans-serif}[hidden]{display:none!important}' +
    '.launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:24px;padding:12px 20px;background:#0b5cad;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 2px 8px #0004}' +
    '.panel{position:fixed;right:16px;bottom:72px;z-index:2147483000;width:min(360px,calc(100vw - 32px));height:min(520px,calc(100vh - 96px));background:#fff;border-radius:12px;box-shadow:0 4px 24px #0005;display:flex;flex-direction:column;overflow:hidden;color:#111;font-size:14px}' +
    '.panel[hidden]{display:none}header{background:#0b5cad;color:#fff;padding:10px 14px;font-weight:600;display:flex;justify-content:space-between;align-items:center}' +
    'header button{background:none;border:1px solid #fff8;color:#fff;border-radius:6px;padding:3px 8px;cursor:pointer}' +
    '.status{padding:8px 14px;background:#eef4fb;font-size:13px;min-height:1.5em}.log{flex:1;overflow-y:auto;padding:10px 14px;display:flex;flex-direction:column;gap:6px}' +
    '.msg{max-width:85%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}.msg.customer{align-self:flex-end;background:#0b5cad;color:#fff}.msg.agent{align-self:flex-start;background:#eceff3}.msg.system{align-self:center;background:none;color:#555;font-size:12px}' +
    'form{display:flex;flex-direction:column;gap:6px;padding:10px 14px}input,textarea,select{font:inherit;padding:7px;border:1px solid #bbb;border-radius:6px;width:100%}' +
    '.compose{flex-direction:row;border-top:1px solid #ddd}.compose textarea{resize:none;height:40px}button.primary{background:#0b5cad;color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer;font:inherit}' +
    '.stars{display:flex;gap:4px;padding:0 14px 6px}.stars button{flex:1;font-size:18px;border:1px solid #bbb;background:#fff;border-radius:6px;cursor:pointer;padding:4px}.typing{padding:0 14px;font-size:12px;color:#555;min-height:1.2em}' +
    '.callbar{display:flex;gap:6px;align-items:center;padding:10px 14px;border-top:1px solid #ddd}.callbar .callstate{flex:1}.callbar button{border:1px solid #0b5cad;background:#fff;color:#0b5cad;border-radius:6px;padding:6px 10px;cursor:pointer}.callbar button.hangup{background:#a00;border-color:#a00;color:#fff}' +
    'button.call{background:#1c7c3a;color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer;font:inherit}' +
    '.tabs{display:flex;gap:6px;padding:6px 14px 0}.tabs button{flex:1;border:1px solid #0b5cad;background:#fff;color:#0b5cad;border-radius:6px;padding:6px;cursor:pointer}.tabs button[aria-pressed=true]{background:#0b5cad;color:#fff}' +
    '</style>' +
    '<button class="launcher" data-testid="cc-open" type="button"></button>' +
    '<section class="panel" hidden role="dialog" aria-live="polite">' +
    '<header><span class="title"></span><button type="button" data-testid="cc-leave" hidden></button></header>' +
    '<div class="status" data-testid="cc-status"></div>' +
    '<div class="log" data-testid="cc-log"></div><div class="typing" data-testid="cc-typing"></div>' +
    '<form class="prechat" data-testid="cc-prechat"><input name="name" autocomplete="name"><input name="email" type="email" autocomplete="email"><textarea name="text" required></textarea><button class="primary" type="submit"></button><button class="call" type="button" hidden data-testid="cc-call"></button></form>' +
    '<div class="instead" hidden data-testid="cc-instead"><div class="tabs"><button type="button" data-kind="callback" aria-pressed="true"></button><button type="button" data-kind="feedback" aria-pressed="false"></button></div>' +
    '<form class="request" data-testid="cc-request"><select name="topic" hidden></select><input name="name" autocomplete="name"><input name="phone" type="tel" autocomplete="tel"><input name="email" type="email" autocomplete="email"><input name="preferredTime"><textarea name="text"></textarea><button class="primary" type="submit"></button></form></div>' +
    '<div class="after" hidden data-testid="cc-after"><p style="padding:0 14px"></p><div class="stars" data-testid="cc-rating"></div><div class="stars nps" hidden data-testid="cc-nps"></div>' +
    '<form class="transcript"><input name="email" type="email" required><button class="primary" type="submit"></button></form><form class="again"><button type="submit"></button></form></div>' +
    '<div class="callbar" hidden data-testid="cc-callbar"><span class="callstate" data-testid="cc-call-state"></span><button type="button" class="answer" hidden data-testid="cc-answer"></button><button type="button" class="mute" data-testid="cc-mute"></button><button type="button" class="hangup" data-testid="cc-hangup"></button><div class="audio" hidden></div></div>' +
    '<form class="compose" hidden data-testid="cc-compose"><textarea name="text" data-testid="cc-input" required></textarea><button class="primary" type="submit" data-testid="cc-send"></button></form>' +
    '</section>';

  var $ = function (selector) {
    return root.querySelector(selector);
  };
  var panel = $('.panel');
  var log = $('.log');
  var status = $('.status');
  var typingLine = $('.typing');
  var prechat = $('.prechat');
  var compose = $('.compose');
  var after = $('.after');
  var instead = $('.instead');
  var leaveButton = $('header button');
  var callButton = $('button.call');
  var callbar = $('.callbar');
  var callState = $('.callstate');
  var muteButton = $('.callbar .mute');
  var answerButton = $('.callbar .answer');
  var requestKind = 'callback';
  var channel = 'chat';

  $('.launcher').textContent = t('open');
  $('.title').textContent = t('title');
  leaveButton.textContent = t('leave');
  prechat.elements.name.placeholder = t('name');
  prechat.elements.email.placeholder = t('email');
  prechat.elements.text.placeholder = t('first');
  prechat.querySelector('button').textContent = t('start');
  callButton.textContent = t('call');
  muteButton.textContent = t('mute');
  $('.callbar .hangup').textContent = t('hangUp');
  answerButton.textContent = t('answer');
  compose.querySelector('button').textContent = t('send');
  after.querySelector('p').textContent = t('rate');
  after.querySelector('.transcript input').placeholder = t('transcript');
  after.querySelector('.transcript button').textContent = t('transcript');
  after.querySelector('.again button').textContent = t('again');
  var tabs = instead.querySelectorAll('.tabs button');
  tabs[0].textContent = t('callback');
  tabs[1].textContent = t('feedback');
  var request = $('.request');
  request.elements.name.placeholder = t('name');
  request.elements.phone.placeholder = t('phone');
  request.elements.email.placeholder = t('email');
  request.elements.preferredTime.placeholder = t('when');
  request.elements.text.placeholder = t('message');
  request.querySelector('button').textContent = t('submit');
  for (var score = 1; score <= 5; score += 1) {
    var star = document.createElement('button');
    star.type = 'button';
    star.textContent = String(score);
    star.setAttribute('data-score', String(score));
    star.setAttribute('aria-label', score + ' / 5');
    after.querySelector('.stars').appendChild(star);
  }
  for (var nps = 0; nps <= 10; nps += 1) {
    var point = document.createElement('button');
    point.type = 'button';
    point.textContent = String(nps);
    point.setAttribute('data-score', String(nps));
    point.setAttribute('aria-label', nps + ' / 10');
    after.querySelector('.nps').appendChild(point);
  }

  var show = function (element, visible) {
    element.hidden = !visible;
  };
  var say = function (text) {
    status.textContent = text;
  };
  var seen = {};
  var addMessage = function (m) {
    if (m.id && seen[m.id]) return;
    if (m.id) seen[m.id] = true;
    var div = document.createElement('div');
    div.className = 'msg ' + m.from;
    div.setAttribute('data-from', m.from);
    div.textContent = m.text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  };
  var systemLine = function (text) {
    addMessage({ from: 'system', text: text });
  };

  var socket = null;
  var pending = [];
  var retry = 0;
  var refCounter = 0;
  var phase = 'idle';

  function connect() {
    var url = new URL('/api/widget/ws', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url.toString());
    socket.onopen = function () {
      retry = 0;
      var resumeToken = sessionStorage.getItem(storageKey);
      if (resumeToken) send({ type: 'resume', resumeToken: resumeToken });
      var queued = pending;
      pending = [];
      queued.forEach(send);
    };
    socket.onmessage = function (event) {
      handle(JSON.parse(event.data));
    };
    socket.onclose = function () {
      socket = null;
      if (phase === 'idle' || phase === 'done') return;
      // Network blip or server restart: come back and resume the same conversation.
      retry = Math.min(retry + 1, 6);
      say(t('connecting'));
      setTimeout(connect, 250 * Math.pow(2, retry));
    };
  }
  function send(message) {
    message.v = 1;
    message.ref = message.ref || 'w' + ++refCounter;
    if (!socket) {
      pending.push(message);
      connect();
      return;
    }
    if (socket.readyState !== 1) {
      pending.push(message);
      return;
    }
    socket.send(JSON.stringify(message));
  }

  // ─── calls through the browser ─────────────────────────────────────────────────────────────
  // The voice part (mediasoup-client) is a script of its own, fetched only when a call starts.
  var voice = null;
  var voiceLoading = null;
  var muted = false;
  function loadVoice() {
    if (window.ccVoice) return Promise.resolve(window.ccVoice);
    if (!voiceLoading) {
      voiceLoading = new Promise(function (resolve, reject) {
        var tag = document.createElement('script');
        tag.src = new URL('/widget-voice.js', base).toString();
        tag.onload = function () {
          resolve(window.ccVoice);
        };
        tag.onerror = function () {
          voiceLoading = null;
          reject(new Error('voice could not be loaded'));
        };
        document.head.appendChild(tag);
      });
    }
    return voiceLoading;
  }
  function callStatus(text) {
    callState.textContent = text;
    say(text);
  }
  function inCall() {
    phase = 'call';
    channel = 'voice';
    show(prechat, false);
    show(instead, false);
    show(after, false);
    show(compose, false);
    show(leaveButton, false);
    show(callbar, true);
  }
  /** Joins the call of this conversation, or (with a token) the browser call back of a callback request. */
  function joinCall(callToken) {
    var resumeToken = callToken || sessionStorage.getItem(storageKey);
    if (!resumeToken || voice) return;
    loadVoice()
      .then(function (lib) {
        var audioHost = callbar.querySelector('.audio');
        var players = lib.trackPlayers(
          function () {
            return audioHost;
          },
          function () {},
        );
        voice = new lib.VoiceClient(new URL('/api/media/widget/ws', base).toString(), {
          onTrack: players.onTrack,
          onTrackEnded: players.onTrackEnded,
          onDisconnected: function () {
            voice = null;
            // The media restarted or the network blinked: join again while the call goes on.
            if (phase === 'call') {
              setTimeout(function () {
                joinCall(callToken);
              }, 1000);
            }
          },
          onEvent: function () {},
        });
        return voice.join({ resumeToken: resumeToken }).then(function () {
          return voice.startMicrophone().catch(function () {
            callStatus(t('micDenied'));
          });
        });
      })
      .catch(function (error) {
        voice = null;
        say(t('error') + error.message);
      });
  }
  function endCall() {
    if (voice) voice.close();
    voice = null;
    show(callbar, false);
  }

  // A callback asked for here can be taken in the browser while this page stays open: the agent rings it.
  var callbackToken = null;
  var callingBack = false;
  function incomingCall() {
    if (!callbackToken || phase === 'call') return;
    channel = 'voice';
    callingBack = true;
    show(instead, false);
    show(prechat, false);
    show(callbar, true);
    show(answerButton, true);
    callStatus(t('callingBack'));
  }

  function chatting() {
    phase = 'chat';
    show(prechat, false);
    show(instead, false);
    show(after, false);
    show(compose, true);
    show(leaveButton, true);
  }
  function ended() {
    if (channel === 'voice') endCall();
    phase = 'ended';
    show(compose, false);
    show(leaveButton, false);
    show(after, true);
    show(after.querySelector('.transcript'), channel !== 'voice');
    typingLine.textContent = '';
    say(channel === 'voice' ? t('callEnded') : t('ended'));
  }
  function unavailable(reason) {
    phase = 'idle';
    sessionStorage.removeItem(storageKey);
    show(prechat, false);
    show(compose, false);
    show(instead, true);
    say((reason === 'closed' ? t('closed') : reason === 'queue-full' ? t('full') : t('nobody')) + ' ' + t('instead'));
  }

  var typingTimer = null;
  var agentName = '';
  function handle(m) {
    switch (m.type) {
      case 'started':
        sessionStorage.setItem(storageKey, m.resumeToken);
        if (m.channel === 'voice') {
          inCall();
          callStatus(t('callConnecting'));
          joinCall();
        } else chatting();
        break;
      case 'resumed':
        if (m.channel === 'voice') {
          channel = 'voice';
          if (m.phase === 'ended') return ended();
          inCall();
          if (m.agentName) callStatus(t('callConnected', { n: m.agentName }));
          joinCall();
          break;
        }
        chatting();
        if (m.phase === 'ended') ended();
        if (m.agentName) say(t('joined', { n: m.agentName }));
        break;
      case 'ringing':
        if (channel === 'voice') callStatus(t('callRinging'));
        break;
      case 'hold':
        if (channel === 'voice') callStatus(m.on ? t('callHold') : t('callConnected', { n: agentName }));
        break;
      case 'messages':
        m.messages.forEach(addMessage);
        break;
      case 'message':
        addMessage(m.message);
        typingLine.textContent = '';
        break;
      case 'queue': {
        var line = t('queued', { p: m.position }) + ' ' + (m.estimatedWaitSeconds >= 0 ? t('eta', { m: Math.max(1, Math.round(m.estimatedWaitSeconds / 60)) }) : t('etaUnknown'));
        if (channel === 'voice') callStatus(line);
        else say(line);
        break;
      }
      case 'agent':
        agentName = m.name;
        if (channel === 'voice') {
          callStatus(t('callConnected', { n: m.name }));
          break;
        }
        say(t('joined', { n: m.name }));
        systemLine(t('joined', { n: m.name }));
        break;
      case 'waiting':
        if (channel === 'voice') callStatus(t('waitingAgain'));
        else systemLine(t('waitingAgain'));
        break;
      case 'typing':
        typingLine.textContent = t('typing');
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () {
          typingLine.textContent = '';
        }, 3000);
        break;
      case 'ended':
        ended();
        break;
      case 'rated':
        // CSAT first, then the optional recommendation question (NPS).
        show(after.querySelector('.stars'), false);
        after.querySelector('p').textContent = m.survey === 'csat' ? t('nps') : t('thanks');
        show(after.querySelector('.nps'), m.survey === 'csat');
        break;
      case 'transcript':
        say(m.status === 'unavailable' ? t('transcriptOff') : t('transcriptDone', { e: after.querySelector('.transcript input').value }));
        break;
      case 'unavailable':
        unavailable(m.reason);
        break;
      case 'requested':
        show(instead, false);
        if (m.callToken) callbackToken = m.callToken;
        say(t('requested'));
        break;
      case 'incoming-call':
        incomingCall();
        break;
      case 'call-ended':
        if (callingBack) {
          callingBack = false;
          phase = 'ended';
          endCall();
          say(t('callEnded'));
        }
        break;
      case 'error':
        if (m.code === 'RESUME_INVALID') {
          sessionStorage.removeItem(storageKey);
          phase = 'idle';
          show(prechat, true);
          show(compose, false);
          return;
        }
        say(t('error') + m.message);
        break;
    }
  }

  prechat.addEventListener('submit', function (event) {
    event.preventDefault();
    var f = prechat.elements;
    var start = { type: 'start', queueId: queueId, language: language, text: f.text.value.trim() };
    if (f.name.value.trim()) start.name = f.name.value.trim();
    if (f.email.value.trim()) start.email = f.email.value.trim();
    if (token) start.token = token;
    phase = 'starting';
    say(t('connecting'));
    send(start);
  });
  compose.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = compose.elements.text.value.trim();
    if (!text) return;
    send({ type: 'send', text: text });
    compose.elements.text.value = '';
  });
  compose.elements.text.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });
  var lastTyping = 0;
  compose.elements.text.addEventListener('input', function () {
    if (Date.now() - lastTyping > 2000) {
      lastTyping = Date.now();
      send({ type: 'typing' });
    }
  });
  leaveButton.addEventListener('click', function () {
    send({ type: 'leave' });
  });
  callButton.addEventListener('click', function () {
    var f = prechat.elements;
    var start = { type: 'start', queueId: queueId, language: language, channel: 'voice' };
    if (f.name.value.trim()) start.name = f.name.value.trim();
    if (f.email.value.trim()) start.email = f.email.value.trim();
    if (token) start.token = token;
    phase = 'starting';
    channel = 'voice';
    say(t('callConnecting'));
    send(start);
  });
  muteButton.addEventListener('click', function () {
    if (!voice) return;
    muted = !muted;
    muteButton.textContent = muted ? t('unmute') : t('mute');
    muteButton.setAttribute('aria-pressed', String(muted));
    voice.setMuted(muted);
  });
  $('.callbar .hangup').addEventListener('click', function () {
    // A browser call back belongs to the callback request, not to a conversation: only the media ends.
    if (callingBack) {
      callingBack = false;
      phase = 'ended';
    } else send({ type: 'leave' });
    endCall();
  });
  answerButton.addEventListener('click', function () {
    show(answerButton, false);
    inCall();
    callStatus(t('callConnecting'));
    joinCall(callbackToken);
  });
  after.querySelector('.stars').addEventListener('click', function (event) {
    var scoreText = event.target.getAttribute && event.target.getAttribute('data-score');
    if (scoreText) send({ type: 'rate', score: Number(scoreText) });
  });
  after.querySelector('.nps').addEventListener('click', function (event) {
    var scoreText = event.target.getAttribute && event.target.getAttribute('data-score');
    if (scoreText) send({ type: 'rate', kind: 'nps', score: Number(scoreText) });
  });
  after.querySelector('.transcript').addEventListener('submit', function (event) {
    event.preventDefault();
    send({ type: 'transcript', email: after.querySelector('.transcript input').value.trim() });
  });
  after.querySelector('.again').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.removeItem(storageKey);
    phase = 'idle';
    if (socket) socket.close();
    log.textContent = '';
    seen = {};
    show(after, false);
    after.querySelector('p').textContent = t('rate');
    show(after.querySelector('.stars'), true);
    show(after.querySelector('.nps'), false);
    show(prechat, true);
    channel = 'chat';
    show(after.querySelector('.transcript'), true);
    say('');
  });
  Array.prototype.forEach.call(tabs, function (tab) {
    tab.addEventListener('click', function () {
      requestKind = tab.getAttribute('data-kind');
      tabs[0].setAttribute('aria-pressed', String(requestKind === 'callback'));
      tabs[1].setAttribute('aria-pressed', String(requestKind === 'feedback'));
      show(request.elements.phone, requestKind === 'callback');
      show(request.elements.preferredTime, requestKind === 'callback');
      show(request.elements.topic, requestKind === 'feedback' && request.elements.topic.options.length > 0);
    });
  });
  request.addEventListener('submit', function (event) {
    event.preventDefault();
    var f = request.elements;
    var message = { type: 'request', kind: requestKind, queueId: queueId };
    ['name', 'email', 'text'].concat(requestKind === 'callback' ? ['phone', 'preferredTime'] : ['topic']).forEach(function (key) {
      if (f[key].value.trim()) message[key] = f[key].value.trim();
    });
    send(message);
  });

  function openPanel() {
    show(panel, true);
    if (phase !== 'idle') return;
    if (sessionStorage.getItem(storageKey)) {
      phase = 'resuming';
      say(t('connecting'));
      connect();
      return;
    }
    fetch(new URL('/api/widget/queues/' + encodeURIComponent(queueId), base).toString())
      .then(function (response) {
        return response.json();
      })
      .then(function (queue) {
        (queue.feedbackTopics || []).forEach(function (topic) {
          var option = document.createElement('option');
          option.value = topic.code;
          option.textContent = topic.name;
          request.elements.topic.appendChild(option);
        });
        if (!queue.open) return unavailable('closed');
        if (!queue.staffed) return unavailable('nobody');
        show(callButton, Boolean(queue.voice) && !!window.RTCPeerConnection);
        show(prechat, true);
        say(queue.waiting > 0 ? t('queued', { p: queue.waiting + 1 }) : '');
      })
      .catch(function (error) {
        say(t('error') + error.message);
      });
  }
  show(prechat, false);
  $('.launcher').addEventListener('click', function () {
    if (panel.hidden) openPanel();
    else show(panel, false);
  });
  if (script.getAttribute('data-open') === 'true' || sessionStorage.getItem(storageKey)) openPanel();
})();
