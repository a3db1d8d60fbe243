## registration and sign-in
reg_welcome =
    👋 Welcome! This bot makes machine-learning predictions for credits.
    Let's create your account: it takes three short steps, and you get <b>{ $credits } { $credits ->
            [one] free credit
           *[other] free credits
        }</b>.
reg_ask_username = Step 1/3. Choose a <b>username</b>: 3–32 latin letters, digits, <code>_ . -</code>
reg_ask_email = Nice, <b>{ $username }</b>. Step 2/3. Your <b>email</b>:
reg_ask_password =
    Step 3/3. Choose a <b>password</b>: at least 8 characters, with letters and digits.
    I delete your message right after reading it.
reg_done =
    🎉 Account <b>{ $name }</b> created. Your balance: <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }.
login_ask_email = Sign in to an existing account. Your <b>email</b>:
login_ask_password = Your <b>password</b> (I delete the message right after reading it):
login_done = ✅ Signed in as <b>{ $name }</b>. This Telegram account is now linked to it.
login_already = You are already signed in as <b>{ $name }</b>.
err_bad_username = ⚠️ That username won't do: use 3–32 latin letters, digits, <code>_ . -</code>. Try another:
err_username_taken = ⚠️ The username <b>{ $username }</b> is taken. Try another:
err_bad_email = ⚠️ That doesn't look like an email address (like <code>name@example.com</code>). Try again:
err_email_taken = ⚠️ An account with this email already exists. Use /login to sign in to it, or enter another email:
err_weak_password = ⚠️ Too weak: at least 8 characters, with letters and digits, no spaces at the ends. Try another:
err_long_password = ⚠️ Too long: 128 characters at most. Try another:
err_telegram_taken = ⚠️ This Telegram account is already linked to an account.
err_duplicate = ⚠️ Someone just took that username or email. Please choose again:
err_bad_credentials = ⚠️ Wrong email or password. Enter your email again:
err_disabled = ⛔ This account is disabled. Contact support.
err_bad_credentials_short = ⚠️ Wrong email or password.
err_login_not_email = ⚠️ That doesn't look like an email address, so I deleted the message in case it was your password. Your <b>email</b>:
err_login_blocked = ⏳ Too many failed sign-in attempts. Please try again in { $wait }.
wait_seconds = { $n } s
wait_minutes = { $n } min
login_moved_away =
    🔐 Your account <b>{ $name }</b> is now used from another Telegram account: someone has just signed in to it there with /login. This chat is no longer linked to it.
    To use the account here again, send /login and enter its email and password. If it wasn't you, do that right away and write to support: /paysupport.
need_text = Please answer with a text message, or tap Cancel.
start_model_unavailable = 😔 The model from that link is not available right now. Choose another one:
start_model_after_registration = 🔮 Once your account is created, I'll open the model from your link.
need_registration = 👋 Please register first: send /start (or /login if you already have an account).
