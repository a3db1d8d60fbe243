## /settings
settings_screen =
    ⚙️ <b>Settings</b>

    🌐 Language: <b>English</b>
    🔔 Notifications: <b>{ $notifications }</b>
    Notifications are low-balance reminders and news about the bot. Receipts and messages about your account always arrive.
settings_on = on
settings_off = off
btn_settings = ⚙️ Settings
btn_notifications_off = 🔕 Turn notifications off
btn_notifications_on = 🔔 Turn notifications on
notifications_turned_on = 🔔 Notifications on
notifications_turned_off = 🔕 Notifications off

## group chats
group_only = 👋 I work in a private chat only, so that your balance and predictions stay between us. Tap the button to open it.
group_only_alert = I work in a private chat only: open it with the button under the message.
btn_open_private = 💬 Open a private chat
