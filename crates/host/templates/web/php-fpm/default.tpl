; hearth backend template php-fpm/default: the PHP-FPM pool of %domain%, run as %user%.
[%backend%]
listen = %backend_socket%
listen.owner = %user%
listen.group = %rgroups%
listen.mode = 0660

user = %user%
group = %group%

pm = ondemand
pm.max_children = 8
pm.max_requests = 4000
pm.process_idle_timeout = 10s
pm.status_path = /status

; PHP reaches the domain's directories, the user's tmp and /tmp, nothing else.
php_admin_value[open_basedir] = %docroot%:%sdocroot%:%home%/%user%/web/%domain%/private:%home%/%user%/tmp:/tmp
php_admin_value[upload_tmp_dir] = %home%/%user%/tmp
php_admin_value[session.save_path] = %home%/%user%/tmp
php_admin_value[sendmail_path] = /usr/sbin/sendmail -t -i -f admin@%domain_idn%

env[PATH] = /usr/local/bin:/usr/bin:/bin
env[TMP] = %home%/%user%/tmp
env[TMPDIR] = %home%/%user%/tmp
env[TEMP] = %home%/%user%/tmp
