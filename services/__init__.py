"""Use cases, free of aiogram: one module each. A service opens and commits its own transactions
through the data layer (`db/`), runs models through `ml/`, and returns plain results or raises a
domain error; it never formats Telegram text."""
