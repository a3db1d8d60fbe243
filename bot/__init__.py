"""The Telegram layer: handlers, keyboards, FSM states, middlewares, texts and the app factory."""
